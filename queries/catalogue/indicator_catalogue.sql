-- The indicator catalogue with what the comparison pages display (label, unit, direction, source, programme) and
-- rank (ranking denominator, scale and noun, published floor), where a public figure comes from (producer's table,
-- periodicity, series break, independent sources of a declared figure), in display order: programmes by first year (public
-- statistics first, the context of every diagnostic), then the catalogue files' own order.
-- One row per indicator. No parameters.
SELECT i.code, i.label, i.programme, p.label AS programme_label, i.axis, i.action, i.kind, i.unit, i.direction,
       i.numerator, i.denominator, i.source, i.definition, i.territory,
       i.rate_base, i.rate_scale, i.rate_noun, i.published_floor,
       i.periodicity, i.source_table, i.series_before, i.independent_source, i.independent_tolerance
FROM indicator AS i
LEFT JOIN programme AS p ON p.code = i.programme
ORDER BY p.first_year, i.programme, i.rowid;
