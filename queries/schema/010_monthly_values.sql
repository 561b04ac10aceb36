-- Monthly series (catalogue periodicity « mensuelle », period YYYYMM: levier.core.periods) kept out of every yearly
-- view by one catalogue-driven rule: current_value, which every year list, ranking, T0 table, series, check and
-- export reads, holds yearly values only; monthly values are read through current_monthly_value. A monthly series'
-- December value is its own yearly indicator, so nothing yearly is lost.

CREATE OR REPLACE VIEW current_value AS
SELECT territory_level, territory_code, indicator, period, value, missing_reason, is_demo, import_id, false AS derived
FROM current_fact
WHERE measure = 'valeur'
  AND indicator NOT IN (SELECT code FROM indicator WHERE periodicity = 'mensuelle')
UNION ALL
SELECT n.territory_level, n.territory_code, i.code, n.period,
       CASE WHEN d.value > 0 THEN 100.0 * n.value / d.value END AS value,
       CASE WHEN n.missing_reason = 's' OR d.missing_reason = 's' THEN 's'
            WHEN n.value IS NULL OR d.value IS NULL THEN coalesce(n.missing_reason, d.missing_reason, 'nd')
            WHEN d.value = 0 THEN 'so' END AS missing_reason,
       n.is_demo OR d.is_demo, greatest(n.import_id, d.import_id), true
FROM indicator i
JOIN current_fact n ON n.indicator = i.numerator AND n.measure = 'valeur'
JOIN current_fact d ON d.indicator = i.denominator AND d.measure = 'valeur'
     AND d.territory_level = n.territory_level AND d.territory_code = n.territory_code AND d.period = n.period
WHERE i.numerator IS NOT NULL AND i.denominator IS NOT NULL AND i.periodicity <> 'mensuelle';

-- The monthly values (period YYYYMM), with their comment (« provisoire » for a producer's provisional months).
CREATE VIEW current_monthly_value AS
SELECT territory_level, territory_code, indicator, period, value, missing_reason, comment, is_demo, import_id
FROM current_fact
WHERE measure = 'valeur'
  AND indicator IN (SELECT code FROM indicator WHERE periodicity = 'mensuelle');
