-- Scale benchmark (bench/bench_scale.py): the current facts of the database, copied under new indicator codes.
-- One row per current fact (territory, indicator, period, measure). No parameters.
SELECT territory_level, territory_code, indicator, period, measure, value, missing_reason, comment, submitted_on,
       source_sheet, source_row, is_demo
FROM current_fact
ORDER BY indicator, territory_level, territory_code, period, measure;
