-- Empties the commune-to-EPCI memberships before a full reload (the reference loader owns this table).
-- Affects every row of commune_epci. No parameters.
DELETE FROM commune_epci;
