-- Test only: marks the derived coverage rows of one territory as not public, to prove the access views filter them.
-- One row updated per distance and service type. Parameters: $code (text).
UPDATE derived_coverage SET is_public = false WHERE code = $code;
