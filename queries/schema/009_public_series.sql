-- Public series (issue 13): where a public figure comes from, where a series breaks, and which public figure
-- independently measures a declared contract indicator. Filled by the next catalogue load (levier demo, or the
-- catalogue reload after a migration).

ALTER TABLE indicator ADD COLUMN source_table TEXT;           -- producer's workbook and table (« Tab1-ase »…)
ALTER TABLE indicator ADD COLUMN series_before TEXT;          -- code of the series this one continues after a break
ALTER TABLE indicator ADD COLUMN independent_source TEXT;     -- '|'-separated public codes measuring the same thing
ALTER TABLE indicator ADD COLUMN independent_tolerance DOUBLE; -- gap beyond which declared vs public is flagged
