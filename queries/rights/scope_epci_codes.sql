-- The EPCIs whose contract data follow a set of départements: an EPCI belongs to its principal département
-- (dep_principal of the INSEE list, any vintage), so a département's user reads its métropole's returns.
-- One row per EPCI SIREN. Parameters: $deps (list of département codes).
SELECT DISTINCT code
FROM territory
WHERE level = 'epci' AND list_contains($deps, dep)
ORDER BY code;
