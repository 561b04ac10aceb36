-- Ranking denominators of counts and published floors of public statistics (issue 14): a count is ranked as a rate
-- (value / denominator × scale), never raw; a value equal to its published floor is censored (shown « ≤ », never
-- ranked). Filled by the next catalogue load (levier demo, or the catalogue reload after a migration).

ALTER TABLE indicator ADD COLUMN rate_base TEXT;          -- 'population' | code of a typed count | 'aucun' | NULL
ALTER TABLE indicator ADD COLUMN rate_scale DOUBLE;       -- per how many: 1000 = « pour 1 000 habitants »
ALTER TABLE indicator ADD COLUMN rate_noun TEXT;          -- what the denominator counts, in French
ALTER TABLE indicator ADD COLUMN published_floor DOUBLE;  -- the value INSEE prints wherever the true one is lower
