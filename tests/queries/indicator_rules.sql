-- Test only: the plausibility rules stored for each indicator. One row per indicator. No parameters.
SELECT code, whole_number, max_value FROM indicator ORDER BY code;
