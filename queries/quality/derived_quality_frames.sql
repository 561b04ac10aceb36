-- The quality report's parts stored as frames (levier.views.qualite.derived_bundle), for a user who reads everything.
-- One row per part (name, meta as JSON, frame as an Arrow IPC stream). No parameters.
SELECT part, meta, frame
FROM visible_derived_quality_frames
ORDER BY part;
