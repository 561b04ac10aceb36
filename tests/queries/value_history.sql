-- Every value ever recorded for one key, newest first, with the import (file, who, when) that brought it.
-- One row per recorded version. Parameters: $territory, $indicator, $period, $measure.
SELECT f.value, f.missing_reason, f.comment, f.import_id, r.file_name, r.imported_by, f.recorded_at,
       row_number() OVER (ORDER BY f.import_id DESC) = 1 AS is_current
FROM visible_fact f
LEFT JOIN visible_import_run r ON r.id = f.import_id
WHERE f.territory_code = $territory AND f.indicator = $indicator AND f.period = $period AND f.measure = $measure
ORDER BY f.import_id DESC;
