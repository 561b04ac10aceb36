-- Plausibility rules of the catalogue (data/catalogue/regles.csv resolved per indicator, programmes.csv's target
-- margin): what an import checks beyond the format of a value (docs/formats.md « Règles de plausibilité »).
-- NULL bound = no check. Filled by the next catalogue load (levier demo, or the catalogue reload).

ALTER TABLE indicator ADD COLUMN whole_number BOOLEAN DEFAULT false;  -- a value must be a whole number (counts)
ALTER TABLE indicator ADD COLUMN max_per_inhabitant DOUBLE;          -- value / territory population, at most
ALTER TABLE indicator ADD COLUMN max_value DOUBLE;                   -- absolute ceiling, population known or not
ALTER TABLE indicator ADD COLUMN max_growth DOUBLE;                  -- at most this factor × the previous year's value
ALTER TABLE indicator ADD COLUMN growth_severity TEXT;               -- erreur | avertissement when max_growth is passed
ALTER TABLE programme ADD COLUMN target_margin INTEGER DEFAULT 0;    -- years after last_year a target may still fall in
