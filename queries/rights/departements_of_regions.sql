-- Départements of the latest geography vintage with their région: resolves a regional user's régions to the
-- départements they see, and checks the codes written in the access file.
-- One row per département. No parameters.
SELECT t.code AS dep, t.reg
FROM territory AS t
WHERE t.level = 'departement'
  AND t.vintage = (SELECT max(vintage) FROM territory WHERE level = 'departement')
ORDER BY t.code;
