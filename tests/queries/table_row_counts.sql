-- Row count and order-independent content checksum of every table an import may write, to prove that a refused
-- file changed nothing (read-only; used by tests and safe for diagnostics).
-- One row per table; the import journal is split into its rejected attempts (a refusal adds one) and the rest.
-- Parameters: none.
SELECT 'territory' AS table_name, count(*) AS row_count, coalesce(bit_xor(hash(t))::VARCHAR, '0') AS checksum FROM territory t
UNION ALL SELECT 'commune_epci', count(*), coalesce(bit_xor(hash(t))::VARCHAR, '0') FROM commune_epci t
UNION ALL SELECT 'indicator', count(*), coalesce(bit_xor(hash(t))::VARCHAR, '0') FROM indicator t
UNION ALL SELECT 'fact', count(*), coalesce(bit_xor(hash(t))::VARCHAR, '0') FROM fact t
UNION ALL SELECT 'service_point', count(*), coalesce(bit_xor(hash(t))::VARCHAR, '0') FROM service_point t
UNION ALL SELECT 'definition_variant', count(*), coalesce(bit_xor(hash(t))::VARCHAR, '0') FROM definition_variant t
UNION ALL SELECT 'funding', count(*), coalesce(bit_xor(hash(t))::VARCHAR, '0') FROM funding t
UNION ALL SELECT 'reallocation', count(*), coalesce(bit_xor(hash(t))::VARCHAR, '0') FROM reallocation t
UNION ALL SELECT 'action_flag', count(*), coalesce(bit_xor(hash(t))::VARCHAR, '0') FROM action_flag t
UNION ALL SELECT 'contract', count(*), coalesce(bit_xor(hash(t))::VARCHAR, '0') FROM contract t
UNION ALL SELECT 'import_run', count(*), coalesce(bit_xor(hash(t))::VARCHAR, '0') FROM import_run t WHERE t.status <> 'rejeté'
UNION ALL SELECT 'import_run_rejected', count(*), '0' FROM import_run t WHERE t.status = 'rejeté'
ORDER BY table_name;
