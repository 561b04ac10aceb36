-- Public-statistics values of EPCI computed on a perimeter changed since their geography year, with the note the
-- import wrote as the value's comment (levier.ingest.perimeters: « périmètre 2021 de l'EPCI, modifié depuis »).
-- One row per (territory, indicator, period). Parameters: $level ('departement' | 'epci'), $codes (list of indicator
-- codes), $kind (the import kind of public statistics).
SELECT f.territory_code AS code, f.indicator, f.period, f.comment AS perimeter_note
FROM current_fact AS f
JOIN import_run AS r ON r.id = f.import_id
WHERE f.territory_level = $level
  AND f.measure = 'valeur'
  AND f.value IS NOT NULL
  AND f.comment IS NOT NULL
  AND r.kind = $kind
  AND list_contains($codes, f.indicator)
ORDER BY code, indicator, period;
