-- Whether the figures on screen include demo values (the app then shows a "données fictives" banner).
-- One row. No parameters.
SELECT count(*) FILTER (WHERE is_demo) AS demo_values, count(*) AS all_values FROM current_fact;
