-- The indicator catalogue as the "Indicateurs et définitions" page shows it (as catalogue_page.sql), what data exists
-- read from the derived table the publication step wrote (visible_derived_indicator_catalogue).
-- One row per indicator, in catalogue order (programmes by first year, then the catalogue files' order).
-- No parameters.
SELECT i.code, i.label, i.programme, p.label AS programme_label, i.axis, a.label AS axis_label,
       i.action, ac.label AS action_label, i.kind, i.unit, i.direction, i.numerator, i.denominator,
       i.periodicity, i.source, i.definition, i.sensitive, i.aliases, i.territory,
       coalesce(c.periods, []) AS periods, coalesce(c.n_departements, 0) AS n_departements,
       coalesce(c.n_epci, 0) AS n_epci, coalesce(c.n_values, 0) AS n_values
FROM indicator AS i
LEFT JOIN programme AS p ON p.code = i.programme
LEFT JOIN axis AS a ON a.programme = i.programme AND a.code = i.axis
LEFT JOIN action AS ac ON ac.programme = i.programme AND ac.code = i.action
LEFT JOIN visible_derived_indicator_catalogue AS c ON c.indicator = i.code
ORDER BY p.first_year, i.programme, i.rowid;
