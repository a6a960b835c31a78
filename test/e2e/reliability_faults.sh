#!/usr/bin/env bash
# Reliability: the whole of realmap_etl over the simulator's 1,988 projects while the
# simulator injects 10 % 5xx, 2 % connection resets and latency jitter into every
# endpoint the pipeline uses (listing, detail, Nominatim, Overpass; the statuses change
# during the run), one realmap worker is killed with SIGKILL mid-task and the server is
# restarted with `pg_ctl restart -m immediate` while tasks are in flight.  Afterwards
# every listing is loaded or a failed item with its error, nothing is left pending; the
# faults really hit (the simulator's stats, failed attempts per stage) and the crashes
# are recorded as crashed attempts.  After realmap.resume without faults all are loaded
# except exactly the 29 listings whose MyID shows another registration (the simulator's
# ground truth), every loaded project is geocoded, counted and scored, and no table
# holds a duplicate of its natural key.
set -uo pipefail
. "$REALMAP_ROOT/test/harness/e2e_lib.sh"
echo "1..25"
# Fault seed 3510: the listing's first two requests draw a reset and a 503 (the draws
# are deterministic per endpoint and request number), so init_session must retry
# through both; the other endpoints draw at their rates.  The simulator starts first
# and renders the detail pages in the background (--warm) while the cluster starts.
start_simulator --fault-seed 3510 --warm || { echo "Bail out! simulator"; exit 1; }
e2e_cluster reliab "realmap.max_workers = 4" "synchronous_commit = on" "restart_after_crash = on" \
  || { echo "Bail out! cluster"; exit 1; }
trap 'kill $SIM_PID 2>/dev/null; stop_cluster "$C" immediate' EXIT
use_simulator 32 0
T_START=$(date +%s)

# faults L D N O: 10 % of the requests answer that 5xx status (listing, detail, Nominatim,
# Overpass), 2 % are reset, every request waits 0-60 ms.  The simulator takes one status
# per endpoint, so the statuses change during the run: window A until the SIGKILL (the
# listing: 503; detail: 500), B until Nominatim has answered 40 queries (detail 502,
# Nominatim 503), C until the restart (Nominatim 504, Overpass 502), D after it
# (Overpass 503).
faults() {
  local spec='{"error_rate": 0.1, "error_status": %s, "reset_rate": 0.02, "jitter_ms": 60}'
  sim POST '/__sim/faults?replace=1' "{\"listing\": $(printf "$spec" "$1"), \"detail\": $(printf "$spec" "$2"),
      \"nominatim\": $(printf "$spec" "$3"), \"overpass\": $(printf "$spec" "$4")}"
}
r=$(faults 503 500 502 504)
grep -q '"error"' <<<"$r" && echo "# simulator refused the faults: $r"
count_q() { q -c "SELECT count(*) FROM realmap.task_instances WHERE run_id = $R AND task_name = '$1' AND state = '${2:-succeeded}'" 2>/dev/null; }
progress() { echo "# $(date +%T) $(q -c "SELECT string_agg(task_name || ' ' || succeeded || '/' || total || CASE WHEN running > 0 THEN ' (' || running || ' running)' ELSE '' END, ', ')
                                          FROM realmap.run_status($R)" 2>/dev/null)"; }
# poll SECONDS SQL: like wait_for, at 0.3 s (cheaper on a shared machine)
poll() {
  local deadline=$(( $(date +%s) + $1 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    [ "$(psql -X -At -q -c "$2" 2>/dev/null)" = t ] && return 0
    sleep 0.3
  done
  return 1
}
# wait_run SECONDS: until the run ends, through server restarts (realmap.wait errors out
# when its connection dies); prints the final state
wait_run() {
  local deadline=$(( $(date +%s) + $1 )) s
  while [ "$(date +%s)" -lt "$deadline" ]; do
    s=$(psql -X -At -q -c "SELECT realmap.wait($R, '30 s')" 2>/dev/null)
    case "$s" in succeeded|failed|cancelled) echo "$s"; return 0 ;; esac
    sleep 0.5
  done
  echo "timeout (${s:-no answer})"
}

echo "# $(date +%T) run, with faults"
R=$(q -c "SELECT realmap.run()")

# ---------------------------------------------------------------- SIGKILL a worker mid-task
# while fetch_details is in full swing; the victim is a realmap worker (pg_stat_activity)
# with a running instance of this run
poll 300 "SELECT count(*) >= 300 FROM realmap.task_instances WHERE run_id = $R AND task_name = 'fetch_details' AND state = 'succeeded'"
progress
T_KILL=$(q -c "SELECT clock_timestamp()")
VICTIM=$(q -c "SELECT a.pid || ' ' || string_agg(DISTINCT t.task_name, ',')
                 FROM pg_stat_activity a JOIN realmap.task_instances t ON t.worker_pid = a.pid AND t.run_id = $R AND t.state = 'running'
                WHERE a.backend_type = 'realmap worker' AND a.query LIKE 'realmap: %'
                GROUP BY a.pid ORDER BY bool_or(t.task_name = 'fetch_details') DESC, a.pid LIMIT 1")
VICTIM_PID=${VICTIM%% *}
kill -9 "$VICTIM_PID" 2>/dev/null
ok $? "SIGKILL of realmap worker $VICTIM_PID mid-task (running: ${VICTIM#* })"
poll 120 "SELECT count(*) > 0 FROM realmap.task_attempts WHERE run_id = $R AND state = 'crashed'"
poll 120 "SELECT count(*) > 0 FROM realmap.task_instances WHERE run_id = $R AND state = 'running'"
ok $? "after crash recovery the workers run the run's tasks again"
progress
r=$(faults 500 502 503 504)
# once geocoding has asked Nominatim a few dozen times, other statuses again
poll 400 "SELECT count(*) >= 40 FROM realmap.geocode_cache"
progress
r=$(faults 502 503 504 502)

# ---------------------------------------------------------------- immediate restart mid-run
# while enrichment runs (geocode, amenities and scores overlap the loading)
poll 400 "SELECT count(*) >= 300 FROM realmap.task_instances WHERE run_id = $R AND task_name = 'amenities' AND state = 'succeeded'"
progress
T_RESTART=$(q -c "SELECT clock_timestamp()")
INFLIGHT=$(q -c "SELECT coalesce(string_agg(task_name || ' ' || n, ', '), 'nothing') FROM (SELECT task_name, count(*) n FROM realmap.task_instances
                  WHERE run_id = $R AND state = 'running' GROUP BY 1 ORDER BY 1) x")
"${AS[@]}" "$PGBIN/pg_ctl" -D "$C/data" -m immediate -w restart -l "$C/server.log" >/dev/null 2>&1
ok $? "pg_ctl restart -m immediate mid-run (in flight: $INFLIGHT)"
r=$(faults 504 504 500 503)

FINAL=$(wait_run 900)
progress
echo "# $(date +%T) run ended $FINAL after $(( $(date +%s) - T_START )) s"
sim GET '/__sim/stats?timestamps=all' >"$WORK/stats.json"
sim DELETE /__sim/faults >/dev/null
is "$FINAL" failed "the run ends (failed: some listed pages belong to other registrations)"

# ---------------------------------------------------------------- after the faulted run
is "$(q -c "SELECT count(*) FROM realmap.listings WHERE run_id = $R")" 1988 "the run lists all 1,988 projects"
is "$(q -c "SELECT count(*) FROM realmap.listings l WHERE l.run_id = $R AND (
              EXISTS (SELECT 1 FROM realmap.task_instances t WHERE t.run_id = $R AND t.item = l.registration_number
                         AND t.task_name = 'load_to_db' AND t.state = 'succeeded')
           OR EXISTS (SELECT 1 FROM realmap.task_instances t WHERE t.run_id = $R AND t.item = l.registration_number
                         AND t.state = 'failed' AND coalesce(t.error_message, '') <> ''))")" 1988 \
   "every one of the 1,988 listings is loaded or a failed item with its error"
is "$(q -c "SELECT count(*) FROM realmap.task_instances WHERE run_id = $R AND state IN ('pending', 'ready', 'running', 'retry_wait', 'waiting')")" 0 \
   "no instance is left pending, ready, running or waiting"
echo "# loaded: $(count_q load_to_db); failed items: $(q -c "SELECT coalesce(string_agg(task_name || ' ' || n, ', '), 'none') FROM (SELECT task_name, count(*) n FROM realmap.task_instances WHERE run_id = $R AND state = 'failed' GROUP BY 1 ORDER BY 1) x")"
q -c "SELECT task_name, item, attempt, left(error_message, 150) FROM realmap.task_instances
       WHERE run_id = $R AND state = 'failed' AND error_message NOT LIKE '%not the listing%' ORDER BY 1, 2 LIMIT 10" | sed 's/^/#   failed: /'

# the faults the simulator injected (its request log, every request of the run)
faultsum=$(python3 - "$WORK/stats.json" <<'PY'
import json, sys, collections
d = json.load(open(sys.argv[1]))
c = collections.Counter()
for e in d["timestamps"]:
    c[(e["endpoint"], "total")] += 1
    if e["fault"]:
        c[(e["endpoint"], e["fault"] + (" %s" % e["status"] if e["fault"] == "error" else ""))] += 1
for ep in ("listing", "detail", "nominatim", "overpass"):
    print(ep, " ".join("%s=%d" % (k[1], v) for k, v in sorted(c.items()) if k[0] == ep))
PY
)
sed 's/^/# simulator: /' <<<"$faultsum"
bad=""
for ep in listing detail nominatim overpass; do
  line=$(grep "^$ep " <<<"$faultsum")
  grep -q 'reset=[1-9]' <<<"$line" && grep -q 'error 5[0-9][0-9]=[1-9]' <<<"$line" || bad="$bad $ep"
done
is "${bad:-none}" none "the simulator injected 5xx and resets into the listing, detail, Nominatim and Overpass endpoints"
# (the draws restart with each new spec and are deterministic: with this seed each window
# below has 5xx draws among the requests it is sure to see)
bad=""
for ep in detail nominatim overpass; do
  [ "$(grep "^$ep " <<<"$faultsum" | grep -oE 'error 5[0-9]+' | sort -u | wc -l)" -ge 2 ] || bad="$bad $ep"
done
is "$(grep -oE 'error 5[0-9]+' <<<"$faultsum" | sort -u | tr '\n' ' ')${bad:+ but only one status:$bad}" "error 500 error 502 error 503 error 504 " \
   "the injected 5xx are 500, 502, 503 and 504; detail, Nominatim and Overpass answered two of them each"

# failed attempts per stage, by kind: the retry policy met them
att=$(q -c "SELECT task_name || ' ' || count(*) FILTER (WHERE error_message ~ 'HTTP 5[0-9][0-9]') || ' '
                  || count(*) FILTER (WHERE error_message ~* 'reset|recv failure|empty reply|connection')
              FROM realmap.task_attempts WHERE run_id = $R AND state = 'failed'
               AND task_name IN ('init_session', 'scrape_listings', 'fetch_details', 'geocode', 'amenities')
             GROUP BY task_name ORDER BY task_name")
sed 's/^/# failed attempts (5xx, reset): /' <<<"$att"
q -c "SELECT DISTINCT ON (task_name, k) task_name || ': ' || left(error_message, 160)
        FROM (SELECT task_name, error_message, CASE WHEN error_message ~ 'HTTP 5' THEN 1 ELSE 2 END k
                FROM realmap.task_attempts WHERE run_id = $R AND state = 'failed' AND error_message NOT LIKE '%not the listing%') x
       ORDER BY task_name, k" | sed 's/^/#   e.g. /'
# (a reset on a reused keep-alive connection is retried by libcurl itself, once, on a
# new connection: most resets never become a failed attempt; the listing's first request
# has a fresh connection, so its reset does)
bad=""
for t in init_session fetch_details geocode amenities; do
  grep -qE "^$t [1-9]" <<<"$att" || bad="$bad $t"
done
grep -qE "^init_session [0-9]+ [1-9]" <<<"$att" || bad="$bad init_session-reset"
is "${bad:-none}" none "failed attempts with 5xx are recorded in init_session, fetch_details, geocode and amenities, the listing's reset in init_session"
is "$(q -c "SELECT count(*) FROM realmap.task_attempts WHERE run_id = $R AND state = 'failed' AND coalesce(error_message, '') = ''")" 0 \
   "every failed attempt has its error message"

# the crashes
crashed=$(q -c "SELECT count(*) FILTER (WHERE finished_at > '$T_KILL' AND finished_at < '$T_RESTART') || ' '
                    || count(*) FILTER (WHERE finished_at > '$T_RESTART') || ' '
                    || count(*) FILTER (WHERE worker_pid = $VICTIM_PID)
                 FROM realmap.task_attempts WHERE run_id = $R AND state = 'crashed' AND error_message LIKE '%crashed: server restarted%'")
echo "# crashed attempts (after the SIGKILL, after the restart, of the victim): $crashed"
ok "$(read a b v <<<"$crashed"; [ "$a" -ge 1 ] && [ "$b" -ge 1 ]; echo $?)" \
   "both the SIGKILL and the restart left crashed attempts (server restarted), retried afterwards"
grep -q "realmap worker.*(PID $VICTIM_PID) was terminated by signal 9" "$C/server.log"
ok $? "PostgreSQL saw the worker die of SIGKILL and went through crash recovery (server log)"
is "$(q -c "SELECT count(*) FROM realmap.task_instances t WHERE run_id = $R AND EXISTS (
             SELECT 1 FROM realmap.task_attempts a WHERE a.instance_id = t.instance_id AND a.state = 'crashed')
             AND t.state NOT IN ('succeeded', 'failed')")" 0 "every crashed instance ran again to an end"

# ---------------------------------------------------------------- resume without faults
echo "# $(date +%T) resume"
q -c "SELECT realmap.resume($R)" >/dev/null
FINAL2=$(wait_run 600)
progress
echo "# $(date +%T) resumed run ended $FINAL2"
is "$FINAL2" failed "the resumed run ends failed: only the shared-MyID listings are left"
is "$(count_q load_to_db)|$(q -c "SELECT count(*) FROM realmap.projects")" "1959|1959" "after resume 1,959 projects are loaded"
# the simulator's ground truth: the listings whose MyID shows another registration's page
sim GET /__sim/truth | python3 -c 'import json, sys
for p in json.load(sys.stdin)["projects"]:
    if not p["has_own_page"]: print(p["registration_number"] + " " + p["page_registration_number"])' | sort >"$WORK/shared.want"
q -c "SELECT t.item || ' ' || (regexp_match(t.error_message, 'the page shows registration (\S+), not the listing''s ' || t.item || '; not stored\$'))[1]
        FROM realmap.task_instances t WHERE t.run_id = $R AND t.state = 'failed' ORDER BY 1" | sort >"$WORK/shared.have"
is "$(wc -l <"$WORK/shared.want")|$(diff "$WORK/shared.want" "$WORK/shared.have" >/dev/null && echo same || diff "$WORK/shared.want" "$WORK/shared.have" | head -5 | tr '\n' ' ')" "29|same" \
   "exactly the 29 shared-MyID listings fail, each error naming the page's registration and its own (ground truth)"
is "$(q -c "SELECT count(*) FILTER (WHERE task_name = 'fetch_details') || '|' || count(*) FILTER (WHERE task_name <> 'fetch_details' AND state <> 'upstream_failed')
              || '|' || count(*) FILTER (WHERE state = 'upstream_failed')
              FROM realmap.task_instances WHERE run_id = $R AND state NOT IN ('succeeded')")" "29|0|145" \
   "nothing else is unfinished: the 29 fetches fail, their 5 later per-item stages are upstream_failed"
is "$(q -c "SELECT string_agg(task_name || ' ' || succeeded, ', ' ORDER BY task_name) FROM realmap.run_status($R)
             WHERE task_name IN ('extract_raw', 'load_to_db', 'geocode', 'amenities', 'compute_scores', 'finalize')")" \
   "amenities 1959, compute_scores 1959, extract_raw 1959, finalize 1, geocode 1959, load_to_db 1959" \
   "every loaded project is geocoded, counted and scored; finalize ran"
is "$(q -c "SELECT count(*) FILTER (WHERE latitude IS NOT NULL) || '|' || (SELECT count(*) FROM (SELECT project_id FROM realmap.project_amenity_stats GROUP BY 1 HAVING count(*) = 35) x)
              || '|' || (SELECT count(*) FROM realmap.project_scores WHERE overall_score IS NOT NULL)
              || '|' || (SELECT summary->>'scored' FROM realmap.run_summaries WHERE run_id = $R)
              FROM realmap.projects")" "1959|1959|1959|1959" \
   "each project has a position, its 35 amenity slices and an overall score; the summary counts 1,959 scored"

# ---------------------------------------------------------------- no fault left a trace
# what the faulted items stored equals what the simulator answers without faults: the
# pages of every fetch that failed or crashed at least once (byte for byte), the
# geocoding of every project that asked Nominatim (its answers asked again, the cache
# emptied first), the amenity counts of up to 100 projects whose Overpass request failed
# or crashed (asked again)
q -c "SELECT DISTINCT p.registration_number, p.final_url, p.content_hash FROM realmap.raw_pages p
        JOIN realmap.task_attempts a ON a.run_id = $R AND a.task_name = 'fetch_details' AND a.item = p.registration_number
       WHERE p.method = 'GET' AND a.state IN ('failed', 'crashed')" | tr '|' '\t' >"$WORK/faulted_pages.tsv"
pages=$(python3 - "$WORK/faulted_pages.tsv" <<'PY'
import hashlib, sys, urllib.request
n = bad = 0
for line in open(sys.argv[1]):
    reg, url, h = line.rstrip("\n").split("\t")
    n += 1
    body = urllib.request.urlopen(url, timeout=30).read()
    if hashlib.sha256(body).hexdigest() != h:
        bad += 1
print(n, bad)
PY
)
ok "$(read n bad <<<"$pages"; [ "${n:-0}" -ge 100 ] && [ "$bad" = 0 ]; echo $?)" \
   "the ${pages% *} pages whose fetch failed or crashed at least once are stored byte for byte as the simulator serves them (differing: ${pages#* })"
geo() { q -c "SELECT md5(string_agg(concat_ws(':', project_id, latitude, longitude, geocoding_status, geo_source, geo_precision, geo_flags), ',' ORDER BY project_id))
                 || '/' || (SELECT md5(string_agg(concat_ws(':', query_key, found, latitude, longitude, precision), ',' ORDER BY query_key)) FROM realmap.geocode_cache)
                FROM realmap.projects"; }
GEO_BEFORE=$(geo)
NOMINATIM_ROWS=$(q -c "SELECT count(*) FROM realmap.geocode_cache")
q -c "DELETE FROM realmap.geocode_cache" >/dev/null
n=$(q -c "SELECT count(*) FROM (SELECT realmap.geocode_project(project_id, false, $R) FROM realmap.projects p
                                 WHERE EXISTS (SELECT 1 FROM realmap.task_instances t WHERE t.run_id = $R AND t.task_name = 'geocode'
                                                  AND t.item = p.rera_registration_number AND (t.output->>'requests')::int > 0)) x")
is "$(geo)|$(q -c "SELECT count(*) FROM realmap.geocode_cache")" "$GEO_BEFORE|$NOMINATIM_ROWS" \
   "geocoding the $n projects that asked Nominatim again, without faults and cache, gives the same positions and the same $NOMINATIM_ROWS answers"
AM=$(q -c "SELECT string_agg(project_id::text, ',') FROM (SELECT DISTINCT p.project_id FROM realmap.projects p
             JOIN realmap.task_attempts a ON a.run_id = $R AND a.task_name = 'amenities' AND a.item = p.rera_registration_number
            WHERE a.state IN ('failed', 'crashed') ORDER BY 1 LIMIT 100) x")
am() { q -c "SELECT md5(string_agg(concat_ws(':', project_id, amenity_type, radius_km, nearby_count, nearby_nearest_km, latitude, longitude, query_key), ',' ORDER BY project_id, amenity_type, radius_km))
               FROM realmap.project_amenity_stats WHERE project_id IN ($AM)"; }
AM_BEFORE=$(am)
q -c "DELETE FROM realmap.amenity_poi_cache WHERE query_key IN (SELECT query_key FROM realmap.project_amenity_stats WHERE project_id IN ($AM))" >/dev/null
n=$(q -c "SELECT count(*) FILTER (WHERE (r->>'requests')::int = 1) FROM (SELECT realmap.compute_amenities(project_id, $R) r FROM realmap.projects WHERE project_id IN ($AM)) x")
is "$(am)" "$AM_BEFORE" "the amenity counts of $(tr ',' '\n' <<<"$AM" | wc -l) projects whose Overpass request failed or crashed are the same when asked again without faults ($n requests)"

# ---------------------------------------------------------------- no duplicates anywhere
dups=$(q <<'SQL'
SELECT coalesce(string_agg(t || ' ' || n, ', ' ORDER BY t), 'none') FROM (
  SELECT 'projects' t, count(*) n FROM (SELECT 1 FROM realmap.projects GROUP BY rera_registration_number HAVING count(*) > 1) x
  UNION ALL SELECT 'raw_pages', count(*) FROM (SELECT 1 FROM realmap.raw_pages GROUP BY registration_number, content_hash HAVING count(*) > 1) x
  UNION ALL SELECT 'raw_pages per registration', count(*) FROM (SELECT 1 FROM realmap.raw_pages GROUP BY registration_number HAVING count(*) > 1) x
  UNION ALL SELECT 'page_extractions', count(*) FROM (SELECT 1 FROM realmap.page_extractions GROUP BY registration_number HAVING count(*) > 1) x
  UNION ALL SELECT 'listings', count(*) FROM (SELECT 1 FROM realmap.listings GROUP BY run_id, registration_number HAVING count(*) > 1) x
  UNION ALL SELECT 'portal_sessions', count(*) FROM (SELECT 1 FROM realmap.portal_sessions GROUP BY run_id HAVING count(*) > 1) x
  UNION ALL SELECT 'task_instances', count(*) FROM (SELECT 1 FROM realmap.task_instances GROUP BY run_id, task_name, item HAVING count(*) > 1) x
  UNION ALL SELECT 'attempt_history', count(*) FROM (SELECT 1 FROM realmap.attempt_history GROUP BY instance_id, attempt, state HAVING count(*) > 1) x
  UNION ALL SELECT 'parent_projects', count(*) FROM (SELECT 1 FROM realmap.parent_projects GROUP BY upper(name), upper(full_address), upper(promoter_name) HAVING count(*) > 1) x
  UNION ALL SELECT 'promoters', count(*) FROM (SELECT 1 FROM realmap.promoters GROUP BY project_id, promoter_name HAVING count(*) > 1) x
  UNION ALL SELECT 'land_parcels', count(*) FROM (SELECT 1 FROM realmap.land_parcels GROUP BY project_id, position HAVING count(*) > 1) x
  UNION ALL SELECT 'buildings', count(*) FROM (SELECT 1 FROM realmap.buildings GROUP BY project_id, building_name HAVING count(*) > 1) x
  UNION ALL SELECT 'unit_types', count(*) FROM (SELECT 1 FROM realmap.unit_types GROUP BY project_id, type_name HAVING count(*) > 1) x
  UNION ALL SELECT 'bank_accounts', count(*) FROM (SELECT 1 FROM realmap.bank_accounts GROUP BY project_id, account_number HAVING count(*) > 1) x
  UNION ALL SELECT 'project_documents', count(*) FROM (SELECT 1 FROM realmap.project_documents GROUP BY project_id, url HAVING count(*) > 1) x
  UNION ALL SELECT 'quarterly_updates', count(*) FROM (SELECT 1 FROM realmap.quarterly_updates GROUP BY project_id, kind, from_date, to_date HAVING count(*) > 1) x
  UNION ALL SELECT 'units', count(*) FROM (SELECT 1 FROM realmap.units GROUP BY project_id, block_name, floor_no, unit_no HAVING count(*) > 1) x
  UNION ALL SELECT 'project_locations (page)', count(*) FROM (SELECT 1 FROM realmap.project_locations WHERE from_page GROUP BY project_id, source_type, location_key HAVING count(*) > 1) x
  UNION ALL SELECT 'project_locations (geocode)', count(*) FROM (SELECT 1 FROM realmap.project_locations WHERE NOT from_page GROUP BY project_id, source_type, lat, lon, precision_level, meta_data HAVING count(*) > 1) x
  UNION ALL SELECT 'project_pricing_snapshots', count(*) FROM (SELECT 1 FROM realmap.project_pricing_snapshots GROUP BY unit_type_id, content_hash HAVING count(*) > 1) x
  UNION ALL SELECT 'data_provenance', count(*) FROM (SELECT 1 FROM realmap.data_provenance GROUP BY project_id, content_hash HAVING count(*) > 1) x
  UNION ALL SELECT 'geocode_cache', count(*) FROM (SELECT 1 FROM realmap.geocode_cache GROUP BY lower(query) HAVING count(*) > 1) x
  UNION ALL SELECT 'amenity_poi_cache', count(*) FROM (SELECT 1 FROM realmap.amenity_poi_cache GROUP BY query_key HAVING count(*) > 1) x
  UNION ALL SELECT 'amenity_poi_cache per position', count(*) FROM (SELECT 1 FROM realmap.amenity_poi_cache GROUP BY latitude, longitude HAVING count(*) > 1) x
  UNION ALL SELECT 'project_amenity_stats', count(*) FROM (SELECT 1 FROM realmap.project_amenity_stats GROUP BY project_id, amenity_type, radius_km HAVING count(*) > 1) x
  UNION ALL SELECT 'project_scores', count(*) FROM (SELECT 1 FROM realmap.project_scores GROUP BY project_id HAVING count(*) > 1) x
  UNION ALL SELECT 'run_summaries', count(*) FROM (SELECT 1 FROM realmap.run_summaries GROUP BY run_id HAVING count(*) > 1) x
  UNION ALL SELECT 'human_tasks', count(*) FROM (SELECT 1 FROM realmap.human_tasks GROUP BY instance_id, created_at HAVING count(*) > 1) x
) d WHERE n > 0
SQL
)
is "$dups" none "no duplicate rows: every table's natural key is unique (projects, pages, extractions, listings, instances, attempts, domain children, locations, prices, provenance, caches, stats, scores)"
is "$(q -c "SELECT (SELECT count(*) FROM realmap.raw_pages) || '|' || (SELECT count(*) FROM realmap.page_extractions) || '|' || (SELECT count(*) FROM realmap.data_provenance)
              || '|' || (SELECT count(*) = count(DISTINCT project_id) FROM realmap.project_locations WHERE source_type = 'geocode_normalized')")" \
   "1959|1959|1959|true" \
   "one page, one extraction and one provenance row per project; at most one geocode position per project"
echo "# wall time: $(( $(date +%s) - T_START )) s"
