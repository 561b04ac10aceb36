-- Programmes funding one territory (a contract it holds), with their years: what the Effet levier page offers a
-- métropole, and how it tells an EPCI holding no contract.
-- One row per programme. Parameters: $level ('departement' | 'epci'), $code (territory code).
SELECT f.programme, p.label, min(f.year) AS first_year, max(f.year) AS last_year,
       count(DISTINCT f.territory_code) AS territories, bool_or(f.is_demo) AS is_demo
FROM current_funding AS f
LEFT JOIN programme AS p ON p.code = f.programme
WHERE f.territory_level = $level AND f.territory_code = $code
GROUP BY f.programme, p.label, p.first_year
ORDER BY p.first_year DESC, f.programme;
