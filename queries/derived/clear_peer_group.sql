-- Empties the derived peer groups (the publication step refills it).
-- Removes every row of derived_peer_group (one row per territory of a level). No parameters.
DELETE FROM derived_peer_group;
