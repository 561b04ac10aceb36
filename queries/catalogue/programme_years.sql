-- Years each programme covers, how far after them a target may fall, and when its annual return is due.
-- One row per programme. No parameters.
SELECT code, label, first_year, last_year, target_margin, due_date FROM programme ORDER BY first_year, code;
