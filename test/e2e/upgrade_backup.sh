#!/usr/bin/env bash
# ALTER EXTENSION realmap UPDATE and pg_dump/pg_restore, on a database holding a finished
# run of realmap_etl (over the simulator), user DAGs with SQL tasks, changed
# configuration and a schedule.
#   upgrade: installed as 0.1.0 and updated to the current version, every row of every
#     realmap table is kept, a new run works, and the upgraded catalog (functions with
#     their definitions, settings and ACLs; tables, columns, defaults, constraints,
#     indexes, triggers, views, sequences, comments; pg_dump registrations; seeded rows)
#     equals a fresh CREATE EXTENSION of the current version.
#   backup: pg_dump -Fc taken while one run is running and another queued, restored with
#     pg_restore into a fresh cluster started with realmap.enabled = off: no error; every
#     table's dumped rows, the effective configuration, the sequences and the user's own
#     tables equal the source's at the dump's snapshot, the schedule is there; nothing moves while
#     realmap.enabled is off; once it is on, the run that was running is recovered and
#     finishes, the queued one runs, and new runs get new ids.
set -uo pipefail
. "$REALMAP_ROOT/test/harness/e2e_lib.sh"
echo "1..26"
CURRENT=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$REALMAP_ROOT/realmap.control")
# (e2e_cluster's cluster, with pg_cron for a schedule)
C=$WORK/upgrade; CA=$C
init_cluster "$C" "pg_cron,realmap" "realmap.database_name = 'realmap_test'" "cron.database_name = 'realmap_test'" \
  "realmap.max_workers = 4" >/dev/null && start_cluster "$C" || { echo "Bail out! cluster"; exit 1; }
export PGHOST=$C PGPORT=$(cluster_port "$C") PGUSER=postgres PGDATABASE=realmap_test
trap 'stop_cluster "$CA" immediate' EXIT
start_simulator || { echo "Bail out! simulator"; exit 1; }

# The tables a dump leaves out on purpose (sql/src/95_backup.sql says why); every other
# realmap table must be registered with pg_extension_config_dump.
NOT_DUMPED="dag_edges stages"
# The seeded configuration values the upgrade to $CURRENT changes where still seeded.
UPGRADE_CHANGES_DEFAULTS="'http.user_agent'"
# The configuration keys the upgrade to $CURRENT adds (the secret store's).
UPGRADE_ADDS_KEYS="'geocode.secret', 'amenities.secret'"

# ---------------------------------------------------------------- helpers
# columns_of: "table|col,col,..." for each realmap table, as the database has them now.
columns_of() {
  q "$@" -c "SELECT c.relname || '|' || string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum)
               FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              WHERE c.relnamespace = 'realmap'::regnamespace AND c.relkind = 'r'
              GROUP BY c.relname ORDER BY 1"
}
# digest_sql COLUMNS-FILE: a query per table: "table count md5" of its rows over those
# columns (the configuration without the defaults the upgrade is meant to change).
digest_sql() {
  local t cols where
  while IFS='|' read -r t cols; do
    where=""; [ "$t" = config ] && where="WHERE key NOT IN ($UPGRADE_CHANGES_DEFAULTS, $UPGRADE_ADDS_KEYS)"
    echo "SELECT '$t ' || count(*) || ' ' || coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '-') FROM (SELECT $cols FROM realmap.$t $where) x;"
  done <"$1"
}
# dumped_sql: a query per registered table: "table count md5" of the rows pg_dump keeps
# (its registered condition); the effective configuration; the user's own table.
# (Not the sequences: pg_dump reads their current value, not the snapshot's.)
dumped_sql() {
  q "$@" -c "SELECT format('SELECT %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg(x::text, E''\\n'' ORDER BY x::text)), ''-'') FROM (SELECT * FROM %s %s) x;',
                           c.relname, c.oid::regclass, cond)
               FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS r(oid, cond) JOIN pg_class c ON c.oid = r.oid
              WHERE e.extname = 'realmap' AND c.relkind = 'r' ORDER BY c.relname"
  echo "SELECT 'effective config ' || md5(string_agg(key || '=' || value::text, E'\\n' ORDER BY key)) FROM realmap.config;"
  echo "SELECT 'ub.seen ' || count(*) || ' ' || coalesce(md5(string_agg(s::text, E'\\n' ORDER BY s::text)), '-') FROM ub.seen s;"
}
# sequences_behind_sql: a query per serial column of a registered table, printing its
# sequence when the sequence's value is below the column's largest id (a new row would
# collide), else "checked".
sequences_behind_sql() {
  q "$@" -c "SELECT format('SELECT CASE WHEN (SELECT last_value FROM %s) < (SELECT coalesce(max(%I), 0) FROM %s) THEN %L ELSE ''checked'' END;',
                           pg_get_serial_sequence(c.oid::regclass::text, a.attname), a.attname, c.oid::regclass,
                           pg_get_serial_sequence(c.oid::regclass::text, a.attname))
               FROM pg_extension e, unnest(e.extconfig) AS r(oid) JOIN pg_class c ON c.oid = r.oid
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              WHERE e.extname = 'realmap' AND pg_get_serial_sequence(c.oid::regclass::text, a.attname) IS NOT NULL
              ORDER BY 1"
}
# catalog [psql args]: realmap's objects as comparable text (no oids, no install times).
catalog() {
  q "$@" <<'SQL'
SELECT 'extension ' || extversion || ' ' || extrelocatable FROM pg_extension WHERE extname = 'realmap';
SELECT 'schema acl=' || coalesce(nspacl::text, '') || ' comment=' || coalesce(obj_description(oid, 'pg_namespace'), '')
  FROM pg_namespace WHERE nspname = 'realmap';
SELECT 'member ' || pg_describe_object(d.classid, d.objid, 0)
  FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
 WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'realmap' AND d.deptype = 'e' ORDER BY 1;
SELECT 'function ' || p.oid::regprocedure || ' acl=' || coalesce(p.proacl::text, '')
       || ' comment=' || coalesce(obj_description(p.oid, 'pg_proc'), '') || E'\n' || pg_get_functiondef(p.oid)
  FROM pg_proc p WHERE p.pronamespace = 'realmap'::regnamespace AND p.prokind IN ('f', 'p')
 ORDER BY p.oid::regprocedure::text;
SELECT 'routine ' || p.oid::regprocedure || ' kind=' || p.prokind::text || ' acl=' || coalesce(p.proacl::text, '')
  FROM pg_proc p WHERE p.pronamespace = 'realmap'::regnamespace AND p.prokind NOT IN ('f', 'p') ORDER BY 1;
SELECT 'relation ' || c.relname || ' kind=' || c.relkind::text || ' acl=' || coalesce(c.relacl::text, '')
       || ' options=' || coalesce(c.reloptions::text, '') || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '')
       || CASE WHEN c.relkind IN ('v', 'm') THEN E'\n' || pg_get_viewdef(c.oid) ELSE '' END
  FROM pg_class c WHERE c.relnamespace = 'realmap'::regnamespace ORDER BY c.relname;
SELECT 'column ' || c.relname || '.' || a.attname || ' #' || row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum)
       || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || ' default=' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '') || ' generated=' || a.attgenerated::text
       || ' identity=' || a.attidentity::text || ' collation=' || a.attcollation::regcollation::text
       || ' acl=' || coalesce(a.attacl::text, '') || ' comment=' || coalesce(col_description(c.oid, a.attnum), '')
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
 WHERE c.relnamespace = 'realmap'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY c.relname, a.attnum;
SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'realmap'::regnamespace ORDER BY 1;
SELECT 'index ' || pg_get_indexdef(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace = 'realmap'::regnamespace ORDER BY 1;
SELECT 'trigger ' || tgrelid::regclass || ' ' || pg_get_triggerdef(t.oid) || ' enabled=' || tgenabled::text
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'realmap'::regnamespace AND NOT t.tgisinternal ORDER BY 1;
SELECT 'sequence ' || seqrelid::regclass || ' ' || format_type(seqtypid, NULL) || ' ' || seqstart || ' ' || seqincrement
       || ' ' || seqmax || ' ' || seqmin || ' ' || seqcache || ' ' || seqcycle
       || ' owned by ' || coalesce((SELECT d.refobjid::regclass || '.' || a.attname FROM pg_depend d
                                      JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                     WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                                       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')), '-')
  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = 'realmap'::regnamespace ORDER BY 1;
SELECT 'type ' || t.oid::regtype || ' ' || t.typtype::text FROM pg_type t
 WHERE t.typnamespace = 'realmap'::regnamespace ORDER BY 1;
SELECT 'dumped ' || r.oid::regclass || ' ' || quote_literal(r.cond)
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS r(oid, cond) WHERE e.extname = 'realmap' ORDER BY 1;
SQL
}
# rows_catalog [psql args]: every realmap table's rows (install-time stamps left out).
rows_catalog() {
  q "$@" -c "SELECT format('SELECT %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg((to_jsonb(x) - %L::text[])::text, E''\\n'' ORDER BY (to_jsonb(x) - %L::text[])::text)), ''-'') FROM %s x;',
                           c.relname, s.stamps, s.stamps, c.oid::regclass)
               FROM pg_class c CROSS JOIN LATERAL (SELECT coalesce(array_agg(a.attname::text), '{}') AS stamps FROM pg_attribute a
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND a.atttypid = 'timestamptz'::regtype) s
              WHERE c.relnamespace = 'realmap'::regnamespace AND c.relkind = 'r' ORDER BY c.relname" \
    | q "$@"
}
# differ NAME FILE-A FILE-B: ok when equal, else the first differing lines as diagnostics.
differ() {
  if diff -u "$2" "$3" >"$WORK/diff.$$" 2>&1; then ok 0 "$1"; else
    ok 1 "$1"; grep '^[-+][^-+]' "$WORK/diff.$$" | head -20 | sed 's/^/#   /'; fi
}

# ---------------------------------------------------------------- 0.1.0 with data
q -d postgres -c "CREATE DATABASE realmap_test" >/dev/null
q -c "CREATE EXTENSION pg_cron" -c "CREATE EXTENSION realmap VERSION '0.1.0'" >/dev/null
is "$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'realmap'")" 0.1.0 \
   "CREATE EXTENSION realmap VERSION '0.1.0' with the current library (it serves every C function 0.1.0 names)"
use_simulator 16 0
q >/dev/null <<'SQL'
CREATE SCHEMA ub;
CREATE TABLE ub.seen (run_id bigint, task text, at timestamptz DEFAULT now());
CREATE FUNCTION ub.note(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ub.seen (run_id, task) VALUES ((ctx->>'run_id')::bigint, ctx->>'task');
    RETURN jsonb_build_object('noted', ctx->>'run_id');
END $$;
CREATE FUNCTION ub.slow(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(coalesce((ctx #>> '{params,sleep}')::float8, 0));
    INSERT INTO ub.seen (run_id, task) VALUES ((ctx->>'run_id')::bigint, ctx->>'task');
    RETURN '{}';
END $$;
SELECT realmap.create_dag('ub_user', max_active_runs => 1);
SELECT realmap.add_task('ub_user', 'note', 'ub.note(jsonb)');
SELECT realmap.add_task('ub_user', 'slow', 'ub.slow(jsonb)', upstream => '{note}');
-- its first attempt fails: a retry leaves a row in realmap.attempt_history
CREATE FUNCTION ub.flaky(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    IF (ctx->>'attempt')::int < 2 THEN
        RAISE EXCEPTION 'attempt % of a flaky task fails', ctx->>'attempt';
    END IF;
    RETURN '{}';
END $$;
SELECT realmap.create_dag('ub_flaky');
SELECT realmap.add_task('ub_flaky', 'flaky', 'ub.flaky(jsonb)', backoff => '0 seconds');
SELECT realmap.create_dag('ub_quick');
SELECT realmap.add_task('ub_quick', 'note', 'ub.note(jsonb)');
UPDATE realmap.config SET value = '"ops@example.org"' WHERE key = 'geocode.email';
UPDATE realmap.amenity_categories SET radii_km = '{0.5,1,2}' WHERE category = 'school' AND key = 'amenity' AND value = 'school';
INSERT INTO realmap.section_variants (logical_section, variant) VALUES ('project_details', 'Upgrade Backup Test Particulars');
SELECT realmap.schedule('0 3 * * *', '{"max_listings": 5}');
SQL
t0=$(date +%s.%N)
R1=$(q -c "SELECT realmap.run('{\"max_listings\": 20}')")
U0=$(q -c "SELECT realmap.run('{}', dag => 'ub_user')")
F0=$(q -c "SELECT realmap.run('{}', dag => 'ub_flaky')")
# (as long as the pipeline's run may take: they share its workers; on a loaded machine
# the flaky task's retry had not run after 30 s, while the pipeline's run took 34 s)
ustate=$(q -c "SELECT realmap.wait($U0, '120 s')")/$(q -c "SELECT realmap.wait($F0, '120 s')")/$(q -c "SELECT count(*) FROM realmap.attempt_history WHERE run_id = $F0")
state=$(q -c "SELECT realmap.wait($R1, '120 s')")
echo "# 0.1.0: realmap_etl run $R1 $state in $(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }') s, $(q -c "SELECT count(*) FROM realmap.projects") projects"
is "$state|$ustate|$(q -c "SELECT count(*) > 0 FROM realmap.project_scores WHERE run_id = $R1")" "succeeded|succeeded/succeeded/1|t" \
   "on 0.1.0 a realmap_etl run (20 listings) and user DAGs' runs finish (one after a retry), the projects scored"

# ---------------------------------------------------------------- upgrade
columns_of >"$WORK/columns_010"
digest_sql "$WORK/columns_010" | q >"$WORK/before"
q -c "ALTER EXTENSION realmap UPDATE" >"$WORK/alter.out" 2>&1
is "$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'realmap'")|$(head -c 600 "$WORK/alter.out" | tr '\n' ' ')" "$CURRENT|" \
   "ALTER EXTENSION realmap UPDATE: 0.1.0 to $CURRENT, without a message"
digest_sql "$WORK/columns_010" | q >"$WORK/after"
differ "every row of every realmap table is kept ($(wc -l <"$WORK/before") tables; count and md5 of the 0.1.0 columns)" \
   "$WORK/before" "$WORK/after"
is "$(q -c "SELECT string_agg(key, ' ' ORDER BY key) FROM realmap.config WHERE NOT seeded")" \
   "amenities.max_concurrent amenities.max_requests_per_second amenities.overpass_url geocode.base_url geocode.email geocode.max_concurrent geocode.max_requests_per_second http.allowed_hosts http.max_concurrent_per_host http.max_requests_per_second_per_host portal.base_url" \
   "the upgrade marks as the user's exactly the configuration values changed on 0.1.0"
is "$(q -c "SELECT value #>> '{}' FROM realmap.config WHERE key = 'http.user_agent'")|$(q -c "SELECT string_agg(category, ',') FROM realmap.amenity_categories WHERE NOT seeded")" \
   "realmap/$CURRENT (PostgreSQL extension; RERA project map)|school" \
   "a still-seeded default takes the new version's value; the changed amenity category is the user's"
# runs on the upgraded database (waited for after the catalog comparison)
R2=$(q -c "SELECT realmap.run('{\"max_listings\": 5}')")
U1=$(q -c "SELECT realmap.run('{}', dag => 'ub_user')")

# the upgraded catalog against a fresh CREATE EXTENSION (databases of their own, so
# every seeded row can be compared too)
q -d postgres -c "CREATE DATABASE ub_fresh" -c "CREATE DATABASE ub_upgraded" >/dev/null
q -d ub_fresh -c "SET client_min_messages = error" -c "CREATE EXTENSION realmap" >/dev/null
q -d ub_upgraded -c "SET client_min_messages = error" -c "CREATE EXTENSION realmap VERSION '0.1.0'" \
  -c "ALTER EXTENSION realmap UPDATE" >/dev/null
catalog -d ub_fresh >"$WORK/catalog_fresh"
catalog -d ub_upgraded >"$WORK/catalog_upgraded"
catalog >"$WORK/catalog_data"
ok "$( [ "$(grep -c '^function ' "$WORK/catalog_fresh")" -gt 100 ] && [ "$(grep -c '^dumped ' "$WORK/catalog_fresh")" -gt 30 ]; echo $?)" \
   "the catalog description covers realmap ($(grep -c '^function ' "$WORK/catalog_fresh") functions, $(grep -c '^relation ' "$WORK/catalog_fresh") relations, $(grep -c '^dumped ' "$WORK/catalog_fresh") dump registrations)"
differ "the upgraded catalog equals a fresh CREATE EXTENSION of $CURRENT (functions, tables, columns, constraints, indexes, triggers, views, sequences, ACLs, comments, dump registrations)" \
   "$WORK/catalog_fresh" "$WORK/catalog_upgraded"
differ "and so does the upgraded catalog of the database with data" "$WORK/catalog_fresh" "$WORK/catalog_data"
rows_catalog -d ub_fresh >"$WORK/rows_fresh"
rows_catalog -d ub_upgraded >"$WORK/rows_upgraded"
differ "the upgraded seeded rows equal a fresh install's (every table)" "$WORK/rows_fresh" "$WORK/rows_upgraded"
is "$(q -d ub_fresh -c "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_class c
              WHERE c.relnamespace = 'realmap'::regnamespace AND c.relkind = 'r'
                AND c.oid <> ALL ((SELECT extconfig FROM pg_extension WHERE extname = 'realmap')::oid[])")" \
   "$NOT_DUMPED" "every realmap table is registered for pg_dump, except the ones left out on purpose ($NOT_DUMPED)"
is "$(q -d ub_fresh -c "SELECT count(*) FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
              WHERE c.relnamespace = 'realmap'::regnamespace AND c.relkind = 'r' AND a.attnum > 0
                AND pg_get_serial_sequence(c.oid::regclass::text, a.attname) IS NOT NULL
                AND c.oid = ANY ((SELECT extconfig FROM pg_extension WHERE extname = 'realmap')::oid[])
                AND pg_get_serial_sequence(c.oid::regclass::text, a.attname)::regclass::oid
                    <> ALL ((SELECT extconfig FROM pg_extension WHERE extname = 'realmap')::oid[])")" 0 \
   "so is the sequence of every serial column of a dumped table"

is "$(q -c "SELECT realmap.wait($R2, '60 s')")|$(q -c "SELECT realmap.wait($U1, '30 s')")|$(q -c "SELECT count(*) FROM ub.seen WHERE run_id = $U1")" \
   "succeeded|succeeded|2" "after the upgrade a realmap_etl run and a user DAG's run succeed"

# ---------------------------------------------------------------- pg_dump of a busy database
# U2 is running its slow task when the dump's snapshot is taken, U3 is queued behind it.
U2=$(q -c "SELECT realmap.run('{\"sleep\": 2}', dag => 'ub_user')")
wait_for 20 "SELECT state = 'running' FROM realmap.task_instances WHERE run_id = $U2 AND task_name = 'slow'"
ok $? "a user DAG's run is running its slow task"
U3=$(q -c "SELECT realmap.run('{}', dag => 'ub_user')")
# one snapshot for the dump and the source's digests: the source moves on afterwards
coproc SNAP { stdbuf -oL psql -X -At -q -v ON_ERROR_STOP=1 2>&1; }
[ -n "${SNAP_PID:-}" ] || { echo "Bail out! no psql session for the snapshot"; exit 1; }
snap_q() {  # snap_q SQL: SQL in the snapshot's session; prints its output
  printf '%s\n\\echo __end__\n' "$1" >&"${SNAP[1]}"
  local line
  while IFS= read -r -t 30 line <&"${SNAP[0]}"; do [ "$line" = __end__ ] && return 0; echo "$line"; done
  return 1
}
snap_q "BEGIN ISOLATION LEVEL REPEATABLE READ;"
SNAPSHOT=$(snap_q "SELECT pg_export_snapshot();")
[ -n "$SNAPSHOT" ] || { echo "Bail out! no exported snapshot"; exit 1; }
snap_q "$(dumped_sql)" >"$WORK/dumped_source"
t0=$(date +%s.%N)
pg_dump -Fc --snapshot="$SNAPSHOT" -f "$WORK/ub.dump" realmap_test 2>"$WORK/dump.err"
rc=$?
snap_q "COMMIT;"
echo "# pg_dump -Fc: $(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }') s, $(stat -c %s "$WORK/ub.dump") bytes"
is "$rc|$(head -c 600 "$WORK/dump.err" | tr '\n' ' ')|$(grep -c . "$WORK/dumped_source")" \
   "0||$(( $(q -c "SELECT count(*) FROM pg_extension e, unnest(e.extconfig) r(oid) JOIN pg_class c ON c.oid = r.oid WHERE e.extname = 'realmap' AND c.relkind = 'r'") + 2 ))" \
   "pg_dump -Fc succeeds at the snapshot of the source's digests (every registered table)"

# ---------------------------------------------------------------- restore, paused
CB=$WORK/ub_restore
init_cluster "$CB" "pg_cron,realmap" "realmap.database_name = 'realmap_test'" "cron.database_name = 'realmap_test'" \
  "realmap.max_workers = 4" "realmap.enabled = off" >/dev/null \
  && start_cluster "$CB" || { echo "Bail out! restore cluster"; exit 1; }
PB=$(cluster_port "$CB")
trap 'kill $SIM_PID 2>/dev/null; stop_cluster "$CB" immediate; stop_cluster "$CA" immediate' EXIT
B=(-h "$CB" -p "$PB")
q "${B[@]}" -d postgres -c "CREATE DATABASE realmap_test" >/dev/null
t0=$(date +%s.%N)
pg_restore "${B[@]}" -U postgres -d realmap_test "$WORK/ub.dump" >"$WORK/restore.out" 2>&1
rc=$?
echo "# pg_restore: $(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }') s"
is "$rc|$(head -c 600 "$WORK/restore.out" | tr '\n' ' ')" "0|" "pg_restore into a fresh cluster (realmap.enabled = off): no error, no warning"
q "${B[@]}" <<<"$(dumped_sql "${B[@]}")" >"$WORK/dumped_restored"
differ "the restore holds what the dump kept: every registered table's rows, the effective configuration, the user's table" \
   "$WORK/dumped_source" "$WORK/dumped_restored"
sequences_behind_sql "${B[@]}" >"$WORK/sequences.sql"
q "${B[@]}" -f "$WORK/sequences.sql" >"$WORK/sequences.out"
is "$(grep -c checked "$WORK/sequences.out")|$(grep -v checked "$WORK/sequences.out" | tr '\n' ' ')" "$(grep -c . "$WORK/sequences.sql")|" \
   "the sequence of each of the $(grep -c . "$WORK/sequences.sql") serial columns is at or above its column's largest restored id"
is "$(q "${B[@]}" -c "SELECT value #>> '{}' FROM realmap.config WHERE key = 'geocode.email'")|$(q "${B[@]}" -c "SELECT string_agg(radii_km::text, ',') FROM realmap.amenity_categories WHERE category = 'school' AND key = 'amenity' AND value = 'school'")|$(q "${B[@]}" -c "SELECT count(*) FROM realmap.section_variants WHERE variant = 'Upgrade Backup Test Particulars'")|$(q "${B[@]}" -c "SELECT count(*) FROM realmap.dag_edges WHERE dag_name = 'ub_user'")" \
   "ops@example.org|{0.5,1,2}|1|1" \
   "changed seeded values (a config value, an amenity category) and an operator's label variant are restored; the user DAG's edges rebuilt"
schedules="SELECT string_agg(concat_ws(' ', jobname, schedule, command, database, username, active), ',') FROM cron.job"
jobs=$(q -c "$schedules")
is "$(q "${B[@]}" -c "$schedules")" "${jobs:-(no pg_cron job in the source)}" "the schedule (pg_cron's cron.job, which pg_cron registers for pg_dump) is restored"
is "$(q "${B[@]}" -c "SELECT string_agg(r.run_id || ' ' || r.state || ' ' || coalesce(t.state, '-'), ', ' ORDER BY r.run_id)
                       FROM realmap.runs r LEFT JOIN realmap.task_instances t ON t.run_id = r.run_id AND t.task_name = 'slow'
                      WHERE r.run_id IN ($U2, $U3)")" "$U2 running running, $U3 queued -" \
   "as at the dump: run $U2 running its slow task, run $U3 queued"
U4=$(q "${B[@]}" -c "SELECT realmap.run('{}', dag => 'ub_quick')")
ok "$( [ "$U4" -gt "$(q -c "SELECT max(run_id) FROM realmap.runs")" ] 2>/dev/null; echo $?)" \
   "a run created after the restore gets a new id ($U4), above every id of the source"
before=$(q "${B[@]}" -c "SELECT md5(string_agg(t::text, ',' ORDER BY instance_id)) || ' ' || (SELECT count(*) FROM realmap.attempt_history) FROM realmap.task_instances t")
sleep 3
is "$(q "${B[@]}" -c "SELECT md5(string_agg(t::text, ',' ORDER BY instance_id)) || ' ' || (SELECT count(*) FROM realmap.attempt_history) FROM realmap.task_instances t")|$(q "${B[@]}" -c "SELECT string_agg(state, ',' ORDER BY run_id) FROM realmap.runs WHERE run_id IN ($U2, $U3, $U4)")|$(q "${B[@]}" -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'realmap worker'")" \
   "$before|running,queued,running|0" \
   "with realmap.enabled = off nothing moves for 3 s: no instance changes, no attempt, no worker"

# ---------------------------------------------------------------- realmap.enabled = on
q "${B[@]}" -c "ALTER SYSTEM SET realmap.enabled = on" -c "SELECT pg_reload_conf()" >/dev/null
is "$(q "${B[@]}" -c "SELECT realmap.wait($U2, '30 s')")|$(q "${B[@]}" -c "SELECT realmap.wait($U3, '30 s')")|$(q "${B[@]}" -c "SELECT realmap.wait($U4, '30 s')")" \
   "succeeded|succeeded|succeeded" "after ALTER SYSTEM SET realmap.enabled = on and a reload the restored runs and the new one finish"
is "$(q "${B[@]}" -c "SELECT string_agg(state || ' ' || (error_message LIKE '%crashed: server restarted%'), ',') FROM realmap.attempt_history WHERE run_id = $U2 AND task_name = 'slow'")|$(q "${B[@]}" -c "SELECT count(*) FROM ub.seen WHERE run_id = $U2 AND task = 'slow'")" \
   "crashed true|1" \
   "the attempt that was running at the dump is recovered as crashed and run again (once)"
U5=$(q "${B[@]}" -c "SELECT realmap.run('{}', dag => 'ub_user')")
is "$(q "${B[@]}" -c "SELECT realmap.wait($U5, '30 s')")|$(q "${B[@]}" -c "SELECT count(*) FROM realmap.runs WHERE run_id = $U5")" "succeeded|1" \
   "a new run after the restore succeeds with an id of its own ($U5)"
