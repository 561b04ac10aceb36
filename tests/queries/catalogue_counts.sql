-- Counts what a catalogue reload stored: rows of the four catalogue tables, plus derived ratios (numerator and
-- denominator both set, i.e. stored as non-NULL) and sensitive indicators.
-- One row per count (table_name, n_rows). No parameters.
SELECT 'programme' AS table_name, count(*) AS n_rows FROM programme
UNION ALL SELECT 'axis', count(*) FROM axis
UNION ALL SELECT 'action', count(*) FROM action
UNION ALL SELECT 'indicator', count(*) FROM indicator
UNION ALL SELECT 'indicator_derived', count(*) FROM indicator WHERE numerator IS NOT NULL AND denominator IS NOT NULL
UNION ALL SELECT 'indicator_sensitive', count(*) FROM indicator WHERE sensitive
ORDER BY table_name;
