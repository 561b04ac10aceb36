-- A territory's derived peer group as this user may read it (access view of 017): its peers' codes, nearest first.
-- One row, or none when the row is not this user's to read or the level is not derived. Parameters: $level, $code.
SELECT peers
FROM visible_derived_peer_group
WHERE level = $level AND code = $code;
