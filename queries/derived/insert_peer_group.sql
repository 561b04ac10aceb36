-- Writes the peer groups computed by levier.views.common.derive_peer_groups (frame `incoming`).
-- One row per territory of a level, its peers' codes nearest first. No parameters.
INSERT INTO derived_peer_group
SELECT level, code, CAST(peers AS TEXT[]), is_public
FROM incoming
ORDER BY level, code;
