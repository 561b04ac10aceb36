-- The years each of several territories has a value for (the Mi-parcours page's year selectors, read for a whole
-- région at once). One row per (territory, period). Parameters: $level ('departement' | 'epci'), $codes (territories).
SELECT code, period
FROM visible_derived_midterm_value
WHERE level = $level AND list_contains($codes, code) AND value IS NOT NULL
GROUP BY code, period
ORDER BY code, period;
