-- Current declared nature (nouvelle | renforcement) of each funded action of one programme.
-- One row per (territory, action). Parameters: $programme, $level.
SELECT territory_code AS code, programme, action, nature
FROM current_action_flag
WHERE programme = $programme AND territory_level = $level
ORDER BY code, action;
