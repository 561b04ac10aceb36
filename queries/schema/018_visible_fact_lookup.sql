-- visible_fact (005_access.sql) read without the access work when there is none to do (issue 16: every view a
-- lookup). 005's definition is kept under the name visible_fact_checked; visible_fact now gives a user who reads
-- every territory's contract data with no small count masked the stored facts as they are, and anyone else 005's
-- rows. DuckDB folds the session variables before planning, so only one of the two branches runs. Before, every
-- read of current_fact or current_value built, for each of the 213,708 stored facts, the key matched against the
-- (empty) masked list and tested the public statistics behind the rights test: 4–6 ms a scan on the demo, three
-- scans per read of current_value, instead of 2–3 ms. Same rows and columns for every user
-- (tests/unit/store/test_access_layer.py compares the two).
ALTER VIEW visible_fact RENAME TO visible_fact_checked;

CREATE VIEW visible_fact AS
SELECT *
FROM fact
WHERE coalesce(getvariable('levier_all'), false) AND coalesce(len(getvariable('levier_masked')), 0) = 0
UNION ALL
SELECT *
FROM visible_fact_checked
WHERE NOT (coalesce(getvariable('levier_all'), false) AND coalesce(len(getvariable('levier_masked')), 0) = 0);
