-- Writes the quality report's parts as frames (levier.views.qualite.build_derived; frame `incoming`).
-- One row per part: its name, its meta (JSON: a check's code, title, rule and severity) and the frame (Arrow IPC
-- stream). No parameters.
INSERT INTO derived_quality_frames
SELECT part, meta, frame, is_public
FROM incoming
ORDER BY part;
