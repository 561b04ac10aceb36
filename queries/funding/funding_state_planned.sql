-- State euros planned per action and year, as stored: a re-allocation file is checked against them.
-- One row per (territory, programme, action, year). Parameters: $codes (list of territory codes).
SELECT territory_code, programme, action, year, sum(planned) AS planned
FROM current_funding
WHERE funder LIKE 'etat%' AND list_contains($codes, territory_code)
GROUP BY ALL;
