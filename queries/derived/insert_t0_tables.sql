-- Writes the T0 tables computed by levier.views.t0.derive_t0_tables (frame `incoming`).
-- One row per (level, territory, T0 year): its peers' codes nearest first, the table as numbers and as French text
-- (Arrow IPC streams). No parameters.
INSERT INTO derived_t0_tables
SELECT level, code, t0_year, CAST(peers AS TEXT[]), numbers, text, is_public
FROM incoming
ORDER BY level, code, t0_year;
