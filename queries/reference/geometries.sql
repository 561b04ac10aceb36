-- Boundaries of one level and vintage with the attributes a map needs (LEFT JOIN: a polygon is never dropped silently).
-- One row per territory code. Parameters: $level (text), $vintage (integer).
SELECT g.code, t.name, t.nature, t.population, t.dep, t.reg, g.geometry
FROM territory_geometry AS g
LEFT JOIN territory AS t
       ON t.level = g.level AND t.code = g.code AND t.vintage = g.vintage
WHERE g.level = $level AND g.vintage = $vintage
ORDER BY g.code;
