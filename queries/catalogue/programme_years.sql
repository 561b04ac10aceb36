-- Years each programme covers and when its annual return is due.
-- One row per programme. No parameters.
SELECT code, label, first_year, last_year, due_date FROM programme ORDER BY first_year, code;
