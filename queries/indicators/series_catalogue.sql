-- The indicator catalogue as the time series read it: what the ranking needs (unit, rate base, scale, noun, floor),
-- where a figure comes from (producer, source table), where a series breaks (series_before) and its periodicity.
-- One row per indicator, in the catalogue's display order (as indicator_catalogue). No parameters.
SELECT i.code, i.label, i.programme, i.axis, i.kind, i.unit, i.direction, i.numerator, i.denominator, i.source,
       i.definition, i.territory, i.periodicity, i.source_table, i.series_before,
       i.rate_base, i.rate_scale, i.rate_noun, i.published_floor
FROM indicator AS i
LEFT JOIN programme AS p ON p.code = i.programme
ORDER BY p.first_year, i.programme, i.rowid;
