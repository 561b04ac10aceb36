-- Empties the commune-to-EPCI memberships before a full reload (the reference loader owns this table).
-- One row deleted per row of commune_epci (the table is emptied).
-- Affects every row of commune_epci. No parameters.
DELETE FROM commune_epci;
