-- Every stored fact with the flag the writer keeps (fact.is_current) beside the currency the history says (the
-- latest import of its key), for the tests of 016_current_flag.sql. One row per stored fact. No parameters.
SELECT territory_level, territory_code, indicator, period, measure, import_id, is_current,
       row_number() OVER (
           PARTITION BY territory_level, territory_code, indicator, period, measure ORDER BY import_id DESC
       ) = 1 AS latest
FROM fact;
