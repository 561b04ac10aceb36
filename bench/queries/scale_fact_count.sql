-- Scale benchmark (bench/bench_scale.py): how many facts are stored, and how many are current.
-- One row. No parameters.
SELECT (SELECT count(*) FROM fact) AS facts, (SELECT count(*) FROM current_fact) AS current_facts,
       (SELECT count(*) FROM indicator) AS indicators,
       (SELECT count(DISTINCT territory_code) FROM current_fact WHERE territory_level = 'epci') AS epci_with_facts;
