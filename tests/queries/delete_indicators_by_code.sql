-- Test only: removes some indicators from the catalogue before a test plants its own rows for them.
-- One row deleted per matching indicator. Parameters: $codes (list of indicator codes).
DELETE FROM indicator WHERE list_contains($codes, code);
