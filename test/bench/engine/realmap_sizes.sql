-- Size and row count of every table in schema realmap (partitions included).
-- Prints: relname|total_bytes|rows
SELECT c.relname, pg_total_relation_size(c.oid),
       (xpath('/row/c/text()',
              query_to_xml(format('SELECT count(*) AS c FROM ONLY %I.%I', n.nspname, c.relname),
                           false, true, '')))[1]::text::bigint
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'realmap' AND c.relkind = 'r'
 ORDER BY c.relname;
