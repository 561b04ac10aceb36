-- A territory's derived T0 table at one T0 year as this user may read it (access view of 020): the peers it was
-- computed with, nearest first, and the table as numbers and as French text (Arrow IPC streams).
-- One row, or none when the row is not this user's to read or was not derived. Parameters: $level, $code, $t0_year.
SELECT peers, numbers, text
FROM visible_derived_t0_tables
WHERE level = $level AND code = $code AND t0_year = $t0_year;
