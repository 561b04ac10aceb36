-- Every stored fact of the indicators whose code starts with $prefix, with the name of the file that brought it:
-- what an import stored, compared whole before and after a change of importer.
-- One row per stored fact version. Parameters: $prefix (start of the indicator codes, e.g. 'STAT-').
SELECT r.file_name, f.territory_level, f.territory_code, f.indicator, f.period, f.measure, f.value,
       f.missing_reason, f.comment, f.source_sheet, f.source_row
FROM visible_fact f
JOIN visible_import_run r ON r.id = f.import_id
WHERE starts_with(f.indicator, $prefix)
ORDER BY r.file_name, f.indicator, f.territory_level, f.territory_code, f.period, f.measure;
