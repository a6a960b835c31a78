#!/usr/bin/env bash
# The listing against the portal simulator: all 1,988 projects with the portal's
# placeholder positions stored as missing; each filter gives the simulator's subset
# (computed here from the simulator's data); a wrong name fails at once with the
# valid names; the server-checked CAPTCHA waits for a human, re-challenges on a wrong
# answer, resumes on the right one and fails past its deadline.
set -uo pipefail
. "$REALMAP_ROOT/test/harness/e2e_lib.sh"
echo "1..30"
e2e_cluster listing "realmap.max_workers = 2" || { echo "Bail out! cluster"; exit 1; }
start_simulator --captcha client || { echo "Bail out! simulator"; exit 1; }
use_simulator 8 0
DATA=$REALMAP_ROOT/test/portal/data/projects.json
expect() { python3 -c "import json,sys; p=json.load(open('$DATA')); print(sum(1 for x in p if $1))"; }
# a DAG that only lists: the filters are checked without fetching every page
q >/dev/null <<'SQL'
SELECT realmap.create_dag('listing_only');
SELECT realmap.add_task('listing_only', 'init_session', stage => 'init_session', backoff => '100 ms');
SELECT realmap.add_task('listing_only', 'scrape_listings', stage => 'scrape_listings', upstream => '{init_session}',
                        backoff => '1 second', backoff_factor => 1, max_attempts => 5);
SQL
list() {  # list PARAMS: runs listing_only, prints the run id
  q -c "SELECT realmap.run('$1', dag => 'listing_only')"
}

R=$(list '{}')
is "$(q -c "SELECT realmap.wait($R, '120 s')")" succeeded "a run reads the listing"
is "$(q -c "SELECT count(*) FROM realmap.listings WHERE run_id = $R")" 1988 "all 1,988 projects are listed"
is "$(q -c "SELECT jsonb_array_length(output->'items') FROM realmap.task_instances WHERE run_id = $R AND task_name = 'scrape_listings'")" 1988 \
   "and become 1,988 map items keyed by registration number"
is "$(q -c "SELECT count(*) FROM realmap.listings WHERE run_id = $R AND latitude IS NULL")" 405 \
   "the 405 placeholder positions (0|0, empty, a lone 0, latitude repeated) are stored as missing"
is "$(q -c "SELECT count(*) FROM realmap.listings WHERE run_id = $R AND latitude IS NULL AND position_issue IS NULL")" 0 \
   "each with the reason"
is "$(q -c "SELECT count(*) FROM realmap.listings WHERE run_id = $R AND registration_number LIKE '%*%'")" 0 \
   "the completed marker is not part of any registration number"
is "$(q -c "SELECT count(*) > 0 FROM realmap.listings WHERE run_id = $R AND completed")" t "it is a flag"
is "$(q -c "SELECT count(*) FROM realmap.listings WHERE run_id = $R AND my_id IS NULL")" 3 \
   "the three projects without a MyID are kept (their postback reaches their page)"
is "$(q -c "SELECT count(*) FROM realmap.portal_sessions WHERE run_id = $R AND cookies LIKE '%ASP.NET_SessionId%' AND hidden_fields ? '__VIEWSTATE'")" 1 \
   "the session keeps the portal's cookie and the form's hidden fields"

R=$(list '{"districts": ["Raipur"]}')
q -c "SELECT realmap.wait($R, '120 s')" >/dev/null
is "$(q -c "SELECT count(*) FROM realmap.listings WHERE run_id = $R")" "$(expect "x['district'] == 'Raipur'")" \
   "districts [Raipur]: the simulator's Raipur projects"
is "$(q -c "SELECT output->>'searched' FROM realmap.task_instances WHERE run_id = $R AND task_name = 'scrape_listings'")" true \
   "through the portal's Search"
R=$(list '{"districts": ["raipur", "DURG"], "statuses": "New"}')
q -c "SELECT realmap.wait($R, '120 s')" >/dev/null
is "$(q -c "SELECT count(*) FROM realmap.listings WHERE run_id = $R")" \
   "$(expect "x['district'] in ('Raipur', 'Durg') and x['project_status'] == 'New'")" "two districts and a status"
R=$(list '{"project_types": ["Plotted Development"], "max_listings": 25}')
q -c "SELECT realmap.wait($R, '120 s')" >/dev/null
is "$(q -c "SELECT count(*) FILTER (WHERE development_type = '4') || '/' || count(*) FROM realmap.listings WHERE run_id = $R")" 25/25 \
   "a project type, cut at max_listings"

R=$(list '{"districts": ["Raipurr"]}')
is "$(q -c "SELECT realmap.wait($R, '60 s')")" failed "an unknown district fails the run"
is "$(q -c "SELECT error_message || ' | ' || (error_detail LIKE 'Valid names: Balod, Balodabazar,%Raipur%') || ' | ' || attempt
             FROM realmap.task_instances WHERE run_id = $R AND task_name = 'scrape_listings'")" \
   'unknown district "Raipurr" | true | 1' "at once, naming the valid districts"

# ---------------------------------------------------------------- server-checked CAPTCHA
sim POST /__sim/config '{"captcha": "server"}' >/dev/null
R=$(list '{"districts": ["Bilaspur"]}')
wait_for 60 "SELECT count(*) = 1 FROM realmap.human_tasks WHERE run_id = $R AND state = 'open' AND kind = 'captcha'"
ok $? "the portal asks for a CAPTCHA: the task waits for a human"
is "$(q -c "SELECT state FROM realmap.runs WHERE run_id = $R")|$(q -c "SELECT left(payload->>'image_base64', 8) FROM realmap.human_tasks WHERE run_id = $R")" \
   "waiting|iVBORw0K" "the run waits, the image (PNG) is in realmap.human_tasks"
q -c "SELECT realmap.solve_captcha($R, 'WRONG1')" >/dev/null
wait_for 60 "SELECT count(*) = 1 FROM realmap.human_tasks WHERE run_id = $R AND state = 'open'
             AND human_task_id > (SELECT min(human_task_id) FROM realmap.human_tasks WHERE run_id = $R)"
ok $? "a wrong answer brings a new challenge"
is "$(q -c "SELECT count(*) FROM realmap.task_attempts WHERE run_id = $R AND task_name = 'scrape_listings'
             AND error_message LIKE 'the portal rejected the CAPTCHA answer (\"Invalid Security Code.please try again\")'")" 1 \
   "and counts a failed attempt with the portal's words"
SID=$(q -c "SELECT substring(cookies from 'ASP.NET_SessionId\s+(\S+)') FROM realmap.portal_sessions WHERE run_id = $R")
ANSWER=$(sim GET "/__sim/captcha?session=$SID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["answer"])')
q -c "SELECT realmap.solve_captcha($R, '$ANSWER')" >/dev/null
is "$(q -c "SELECT realmap.wait($R, '60 s')")|$(q -c "SELECT count(*) FROM realmap.listings WHERE run_id = $R")" \
   "succeeded|$(expect "x['district'] == 'Bilaspur'")" "the right answer resumes the run: the Bilaspur projects"
q -c "UPDATE realmap.config SET value = '\"2 seconds\"' WHERE key = 'captcha.timeout'" >/dev/null
R=$(list '{"districts": ["Durg"]}')
is "$(q -c "SELECT realmap.wait($R, '60 s')")" failed "an unanswered CAPTCHA fails past its deadline"
is "$(q -c "SELECT (error_message LIKE 'the CAPTCHA (human task % was not answered by its deadline %') AND error_detail LIKE 'Run SELECT realmap.resume($R);%solve_captcha($R, %'
             FROM realmap.task_instances WHERE run_id = $R AND task_name = 'scrape_listings'")" t \
   "with a message saying what to do"

# ---------------------------------------------------------------- the SQL functions
sim POST /__sim/config '{"captcha": "client"}' >/dev/null
PAGE=$REALMAP_ROOT/test/fixtures/cg_rera_approved_list.html
parse() {  # parse SQL: runs SQL with :'page' = the saved page (too big for an argument)
  printf '\\set page `cat %s`\n%s;\n' "$PAGE" "$1" | psql -X -At -q -v ON_ERROR_STOP=1 2>&1
}
is "$(parse "SELECT count(*) || '/' || count(authorised_name) || '/' || count(*) FILTER (WHERE latitude IS NULL)
             FROM realmap.parse_listing_page(:'page', 'https://rera.cgstate.gov.in/Approved_project_List.aspx')")" 1988/10/405 \
   "parse_listing_page on the real saved page: 1,988 map entries, its 10 table rows merged in, 405 placeholder positions"
is "$(parse "SELECT detail_url FROM realmap.parse_listing_page(:'page', 'https://rera.cgstate.gov.in/Approved_project_List.aspx')
             WHERE registration_number = 'PCGRERA160218000001'")" \
   "https://rera.cgstate.gov.in/Promoter_Reg_Only_View_Application_new.aspx?MyID=MQ==" "links resolve against the page URL"
is "$(q -c "SELECT count(*) FROM realmap.parse_listing_page('<html><body>hello</body></html>')" 2>&1 | grep -o 'not a listing page')" \
   "not a listing page" "a page that is not the listing is an error saying so"

is "$(q -c "SELECT status || ' ' || (body_out LIKE '%lbl_reg_no%') FROM realmap.fetch_url('$SIM/Promoter_Reg_Only_View_Application_new.aspx?MyID=MQ==')")" \
   "200 true" "fetch_url fetches through the client"
is "$(q -c "SELECT status FROM realmap.fetch_url('http://example.org/')" 2>&1 | sed -n 's/.*ERROR: *//p')" \
   'GET http://example.org/: host "example.org" is not allowed (allowed: 127.0.0.1)' "a host not allowed is refused"
q -c "UPDATE realmap.config SET value = '[\"127.0.0.1\", \"169.254.169.254\"]' WHERE key = 'http.allowed_hosts'" >/dev/null
e=$(q -c "SELECT status FROM realmap.fetch_url('http://169.254.169.254/latest/meta-data/')" 2>&1)
grep -q 'metadata\|link-local' <<<"$e"; rc=$?; e=${e#*ERROR:  }; ok $rc "the cloud metadata address is refused even when allowed: ${e%%$'\n'*}"
e=$(q -c "SELECT status FROM realmap.fetch_url('ftp://127.0.0.1/x')" 2>&1)
grep -q 'scheme\|not allowed\|ftp' <<<"$e"; rc=$?; e=${e#*ERROR:  }; ok $rc "other schemes than http and https are refused: ${e%%$'\n'*}"
q -c "CREATE ROLE reader LOGIN IN ROLE realmap_reader" >/dev/null
e=$(psql -X -At -q -U reader -c "SELECT status FROM realmap.fetch_url('$SIM/')" 2>&1)
grep -q 'permission denied for function fetch_url' <<<"$e"; ok $? "fetch_url is not for readers (nor PUBLIC)"
