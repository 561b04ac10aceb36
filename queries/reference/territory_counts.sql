-- Counts the stored reference territories, to report what a load produced.
-- One row per (level, vintage) with `count`. No parameters.
SELECT level, vintage, count(*) AS count
FROM territory
GROUP BY level, vintage
ORDER BY level, vintage;
