-- Sub-counts above their total in the stored data (possible after separate imports of the two parts): every
-- ratio's numerator against its denominator, plus the "dont" pairs given as parameters (e.g. minors within all
-- people sheltered).
-- One row per (territory, year, pair) at fault. Parameters: $sub_codes, $total_codes (lists of equal length),
-- $only_subs (list of sub-count codes to check, or NULL for every pair).
WITH pairs AS (
    SELECT numerator AS sub, denominator AS total, code AS ratio FROM indicator
    WHERE numerator IS NOT NULL AND denominator IS NOT NULL
    UNION ALL
    SELECT unnest($sub_codes) AS sub, unnest($total_codes) AS total, NULL AS ratio
), checked AS (
    SELECT * FROM pairs WHERE CAST($only_subs AS TEXT[]) IS NULL OR list_contains($only_subs, sub)
)
SELECT n.territory_level, n.territory_code, n.period, p.sub, n.value AS sub_value, p.total, d.value AS total_value,
       p.ratio, rn.file_name AS sub_file, rd.file_name AS total_file
FROM checked p
JOIN current_fact n ON n.indicator = p.sub AND n.measure = 'valeur'
JOIN current_fact d ON d.indicator = p.total AND d.measure = 'valeur'
 AND d.territory_level = n.territory_level AND d.territory_code = n.territory_code AND d.period = n.period
LEFT JOIN visible_import_run rn ON rn.id = n.import_id
LEFT JOIN visible_import_run rd ON rd.id = d.import_id
WHERE n.value > d.value
ORDER BY n.territory_code, n.period, p.sub;
