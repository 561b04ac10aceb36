-- Empties the derived position statistics before the publication step refills them.
-- One row per stored statistic is removed (all of them). No parameters.
DELETE FROM derived_t0_stats;
