#!/usr/bin/env bash
# fetch_details against the portal simulator: a whole run over the 1,988 projects
# (each page stored once per content hash; the 29 pages that show another
# registration fail their own item, naming both numbers), retries through injected
# faults, a persistently failing page failing only its item, Retry-After honoured,
# clear errors for truncated, oversized and garbage bodies and for a redirect to a
# host not allowed, and the per-host limits holding across workers.
set -uo pipefail
. "$REALMAP_ROOT/test/harness/e2e_lib.sh"
echo "1..26"
e2e_cluster fetch "realmap.max_workers = 3" || { echo "Bail out! cluster"; exit 1; }
start_simulator || { echo "Bail out! simulator"; exit 1; }
use_simulator 16 0
# the acquisition tasks of realmap_etl alone (extraction and loading have their own
# test), with quick retries
q >/dev/null <<'SQL'
SELECT realmap.create_dag('acquire');
SELECT realmap.add_task('acquire', 'init_session', stage => 'init_session', backoff => '200 ms', max_attempts => 6);
SELECT realmap.add_task('acquire', 'scrape_listings', stage => 'scrape_listings', upstream => '{init_session}',
                        backoff => '200 ms', max_attempts => 6);
SELECT realmap.add_task('acquire', 'fetch_details', stage => 'fetch_details', upstream => '{scrape_listings}',
                        mode => 'map', backoff => '200 ms', backoff_max => '2 s', max_attempts => 6);
SQL

R=$(q -c "SELECT realmap.run('{}', dag => 'acquire')")
is "$(q -c "SELECT realmap.wait($R, '300 s')")" failed "a full run ends failed: some listed pages are not the listing's"
is "$(q -c "SELECT count(*) FILTER (WHERE state = 'succeeded') || '/' || count(*) FROM realmap.task_instances WHERE run_id = $R AND task_name = 'fetch_details'")" \
   1959/1988 "1,959 of the 1,988 detail pages are fetched"
is "$(q -c "SELECT count(*) FROM realmap.raw_pages WHERE last_run_id = $R")" 1959 "and stored"
is "$(q -c "SELECT count(*) FROM realmap.task_instances t WHERE run_id = $R AND task_name = 'fetch_details' AND state = 'failed'
             AND error_message ~ ('the page shows registration PCGRERA[0-9]+, not the listing''s ' || t.item || '; not stored\$')")" 29 \
   "the 29 registrations sharing a MyID fail, each error naming both numbers"
is "$(q -c "SELECT count(*) FROM realmap.raw_pages p JOIN realmap.task_instances t ON t.item = p.registration_number
             WHERE t.run_id = $R AND t.state = 'failed'")" 0 "nothing is stored under the wrong number"
is "$(q -c "SELECT count(*) FROM realmap.raw_pages WHERE method = 'POST' AND registration_number LIKE 'P2CGRERA%'")" 3 \
   "the three projects without a MyID come through their row's postback"
is "$(q -c "SELECT count(*) FROM realmap.raw_pages WHERE registration_number LIKE 'P3CGRERA%'")" 13 \
   "the P3 projects whose own links are broken come by their id"

# the same pages again: stored once per content hash
q -c "SELECT realmap.rerun($R, 'fetch_details')" >/dev/null
q -c "SELECT realmap.wait($R, '300 s')" >/dev/null
is "$(q -c "SELECT count(*) || '/' || count(DISTINCT registration_number) FROM realmap.raw_pages")" 1959/1959 \
   "fetching the same pages again stores nothing new"
is "$(q -c "SELECT count(*) FROM realmap.task_instances WHERE run_id = $R AND task_name = 'fetch_details' AND output->>'changed' = 'false'")" 1959 \
   "and says the pages did not change"

# ---------------------------------------------------------------- faults
L=$(q -c "SELECT realmap.run('{\"max_listings\": 200}', dag => 'acquire')")
# listing first, then the faults on detail pages only
wait_for 60 "SELECT count(*) > 0 FROM realmap.task_instances WHERE run_id = $L AND task_name = 'fetch_details'" || true
q -c "SELECT realmap.wait($L, '120 s')" >/dev/null
sim POST /__sim/faults '{"detail": {"error_rate": 0.3, "error_status": 500, "reset_rate": 0.05}}' >/dev/null
q -c "SELECT realmap.rerun($L, 'fetch_details')" >/dev/null
q -c "SELECT realmap.wait($L, '120 s')" >/dev/null
sim DELETE /__sim/faults >/dev/null
is "$(q -c "SELECT count(*) FILTER (WHERE state = 'succeeded') FROM realmap.task_instances WHERE run_id = $L AND task_name = 'fetch_details'")" \
   "$(q -c "SELECT count(*) FROM realmap.listings l WHERE run_id = $L AND NOT EXISTS (SELECT 1 FROM realmap.task_instances t WHERE t.run_id = $L AND t.item = l.registration_number AND t.error_message LIKE '%not the listing%')")" \
   "with 30 % HTTP 500 and 5 % resets every page comes through on retries"
is "$(q -c "SELECT count(*) > 20 FROM realmap.task_attempts WHERE run_id = $L AND task_name = 'fetch_details' AND state = 'failed' AND error_message ~ 'HTTP 500|reset|connection'")" t \
   "the failed attempts are recorded with their errors"

# one page that always fails: a listing row whose id leads nowhere
BAD=$(q -c "SELECT registration_number FROM realmap.listings WHERE run_id = $L AND my_id IS NOT NULL ORDER BY 1 LIMIT 1")
q -c "UPDATE realmap.listings SET my_id = 'OTk5OTk5', postback_target = NULL WHERE run_id = $L AND registration_number = '$BAD'" >/dev/null
q -c "SELECT realmap.rerun($L, 'fetch_details')" >/dev/null
q -c "SELECT realmap.wait($L, '120 s')" >/dev/null
is "$(q -c "SELECT state || ' ' || failures FROM realmap.task_instances WHERE run_id = $L AND task_name = 'fetch_details' AND item = '$BAD'")" "failed 6" \
   "a page that always fails fails its own item after its attempts"
is "$(q -c "SELECT error_message LIKE 'GET $SIM/Promoter_Reg_Only_View_Application_new.aspx?MyID=OTk5OTk5: HTTP 500%' FROM realmap.task_instances WHERE run_id = $L AND task_name = 'fetch_details' AND item = '$BAD'")" t \
   "with its error naming the URL"
is "$(q -c "SELECT count(*) FILTER (WHERE state = 'failed' AND item <> '$BAD' AND error_message NOT LIKE '%not the listing%') FROM realmap.task_instances WHERE run_id = $L AND task_name = 'fetch_details'")" 0 \
   "while every other page succeeds"

one_fault() {  # one_fault SPEC: one detail request with that fault; prints that attempt's error
  q -c "UPDATE realmap.listings SET my_id = (SELECT my_id FROM realmap.listings WHERE run_id = $R AND registration_number = '$BAD') WHERE run_id = $L AND registration_number = '$BAD'" >/dev/null
  sim POST /__sim/faults "{\"detail\": $1}" >/dev/null
  local mark; mark=$(q -c "SELECT clock_timestamp()")
  q -c "SELECT realmap.rerun($L, 'fetch_details')" >/dev/null
  q -c "SELECT realmap.wait($L, '120 s')" >/dev/null
  sim DELETE /__sim/faults >/dev/null
  q -c "SELECT string_agg(error_message, ' || ') FROM realmap.task_attempts WHERE run_id = $L AND task_name = 'fetch_details' AND finished_at > '$mark' AND state = 'failed' AND error_message NOT LIKE '%not the listing%'"
}
e=$(one_fault '{"truncate_rate": 1, "times": 1}'); grep -q 'truncated\|partial\|Content-Length' <<<"$e"; ok $? "a truncated body: $e"
e=$(one_fault '{"garbage_rate": 1, "times": 1}'); grep -qi 'not an HTTP response\|HTTP/0.9\|weird' <<<"$e"; ok $? "a garbage answer: $e"
e=$(one_fault '{"oversize_rate": 1, "times": 1}'); grep -q 'exceeds' <<<"$e"; ok $? "an oversized body: $e"
e=$(one_fault '{"redirect_rate": 1, "times": 1}'); grep -q 'portal-mirror.invalid.*not allowed' <<<"$e"; ok $? "a redirect to a host not allowed is refused: $e"
e=$(one_fault '{"rate_429": 1, "retry_after": 3, "times": 1}')
is "$(q -c "SELECT bool_and(b.started_at - a.finished_at >= interval '2.9 s') FROM realmap.task_attempts a JOIN realmap.task_attempts b
             ON b.instance_id = a.instance_id AND b.attempt = a.attempt + 1 WHERE a.run_id = $L AND a.error_message LIKE '%HTTP 429%'")" t \
   "429 with Retry-After: 3 waits 3 s before the next attempt ($e)"

# ---------------------------------------------------------------- delta mode
D1=$(q -c "SELECT realmap.run('{\"max_listings\": 40}', dag => 'acquire')")
q -c "SELECT realmap.wait($D1, '120 s')" >/dev/null
D2=$(q -c "SELECT realmap.run('{\"max_listings\": 40, \"mode\": \"delta\"}', dag => 'acquire')")
q -c "SELECT realmap.wait($D2, '120 s')" >/dev/null
is "$(q -c "SELECT skipped || '/' || total FROM realmap.run_status($D2) WHERE task_name = 'fetch_details'")" 40/40 \
   "delta mode: unchanged listing rows with a fresh page are not fetched (run_status counts them skipped)"
is "$(q -c "SELECT count(*) FROM realmap.task_instances WHERE run_id = $D2 AND task_name = 'fetch_details' AND output->>'fetched' = 'false'")" 40 \
   "and say why"
q -c "UPDATE realmap.raw_pages SET last_fetched_at = last_fetched_at - interval '30 days'" >/dev/null
D3=$(q -c "SELECT realmap.run('{\"max_listings\": 40, \"mode\": \"delta\"}', dag => 'acquire')")
q -c "SELECT realmap.wait($D3, '120 s')" >/dev/null
is "$(q -c "SELECT count(*) FILTER (WHERE state = 'skipped' AND output->>'changed' = 'false') || '/' || count(*) FROM realmap.task_instances WHERE run_id = $D3 AND task_name = 'fetch_details'")" 40/40 \
   "pages older than fetch.delta_max_age are fetched again; unchanged content ends skipped"
is "$(q -c "SELECT state FROM realmap.runs WHERE run_id = $D3")" succeeded "a run of skipped items succeeds"
M=$(q -c "SELECT realmap.run('{\"mode\": \"fast\"}', dag => 'acquire')"); e=$(q -c "SELECT realmap.wait($M, '60 s')"; q -c "SELECT error_message || ' ' || error_detail FROM realmap.task_instances WHERE task_name = 'scrape_listings' ORDER BY instance_id DESC LIMIT 1")
grep -q 'unknown run mode "fast" Valid modes: full, delta.' <<<"$e"; ok $? "an unknown mode fails at once, naming the modes"

# ---------------------------------------------------------------- cancel stops transfers
sim POST /__sim/faults '{"detail": {"latency_ms": 30000}}' >/dev/null
K=$(q -c "SELECT realmap.run('{\"max_listings\": 20}', dag => 'acquire')")
wait_for 60 "SELECT count(*) > 0 FROM realmap.task_instances WHERE run_id = $K AND task_name = 'fetch_details' AND state = 'running'"
sleep 1
q -c "SELECT realmap.cancel($K)" >/dev/null
# the simulator holds every answer 30 s: the worker is back before that only when its
# transfers were stopped
wait_for 5 "SELECT count(*) = 0 FROM pg_stat_activity WHERE query LIKE 'realmap: fetch_details for %'"
rc=$?
sim DELETE /__sim/faults >/dev/null
ok $rc "realmap.cancel stops the worker's transfers at once (30 s answers are not waited for)"
is "$(q -c "SELECT state FROM realmap.runs WHERE run_id = $K")" cancelled "and the run is cancelled"
