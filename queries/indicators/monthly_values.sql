-- Current monthly values (catalogue periodicity « mensuelle », period YYYYMM) of some indicators at one level, for
-- readers of a monthly series (its movement over a year); yearly views never see them (current_value).
-- One row per (territory, indicator, month). Parameters: $level ('france' | 'departement' …), $codes (list of
-- indicator codes).
SELECT territory_code AS code, indicator, period, value, missing_reason, comment, is_demo
FROM current_monthly_value
WHERE territory_level = $level AND list_contains($codes, indicator)
ORDER BY indicator, code, period;
