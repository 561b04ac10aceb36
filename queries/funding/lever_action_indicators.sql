-- Indicators of the national grids linked to an action (the catalogue's `action` column): what measures each
-- action's beneficiaries and results.
-- One row per indicator, in catalogue order. No parameters.
SELECT i.code, i.label, i.programme, i.axis, i.action, i.kind, i.unit, i.direction, i.numerator, i.denominator,
       i.source
FROM indicator AS i
WHERE i.action IS NOT NULL AND i.territory IS NULL
ORDER BY i.programme, i.rowid;
