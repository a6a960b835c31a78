#!/usr/bin/env bash
# The whole acquisition and processing path of realmap_etl over the simulator's 1,988
# projects, no faults: every listing ends loaded or as a failed item with its error;
# the loaded V1 documents hold >= 99.5 % of the simulator's ground-truth values exactly
# (test/portal/check_v1_accuracy.py prints the per-field figures and every miss);
# extracting and loading the same pages again changes no row.
set -uo pipefail
. "$REALMAP_ROOT/test/harness/e2e_lib.sh"
echo "1..8"
e2e_cluster processing "realmap.max_workers = 4" || { echo "Bail out! cluster"; exit 1; }
start_simulator || { echo "Bail out! simulator"; exit 1; }
use_simulator 32 0

R=$(q -c "SELECT realmap.run()")
is "$(q -c "SELECT realmap.wait($R, '900 s')")" failed "a full run ends failed: 29 listed pages belong to other registrations"
is "$(q -c "SELECT count(*) FROM realmap.task_instances WHERE run_id = $R AND task_name = 'load_to_db' AND state = 'succeeded'")|$(q -c "SELECT count(*) FROM realmap.projects")" \
   "1959|1959" "1,959 projects are extracted and loaded"
# every listing: loaded, or a failed instance of its chain with its error
is "$(q -c "SELECT count(*) FROM realmap.listings l WHERE l.run_id = $R AND (
              EXISTS (SELECT 1 FROM realmap.task_instances t WHERE t.run_id = $R AND t.item = l.registration_number
                         AND t.task_name = 'load_to_db' AND t.state = 'succeeded')
           OR EXISTS (SELECT 1 FROM realmap.task_instances t WHERE t.run_id = $R AND t.item = l.registration_number
                         AND t.state = 'failed' AND t.error_message IS NOT NULL))")" 1988 \
   "every one of the 1,988 listings ends loaded or as a failed item with its error"
is "$(q -c "SELECT count(*) FROM realmap.page_extractions WHERE run_id = $R AND qa_status IS NOT NULL")" 1959 \
   "each loaded page has its QA result"

# accuracy against the ground truth
mkdir -p "$WORK/v1" "$WORK/truth"
python3 "$REALMAP_ROOT/test/portal/server.py" --write-truth "$WORK/truth" >/dev/null 2>&1
psql -X -At -q -c "SELECT rera_registration_number || E'\t' || v1::text FROM realmap.projects" >"$WORK/v1.tsv"
python3 - "$WORK/v1.tsv" "$WORK/v1" <<'PY'
import sys, os
for line in open(sys.argv[1], encoding="utf-8"):
    reg, doc = line.rstrip("\n").split("\t", 1)
    open(os.path.join(sys.argv[2], reg + ".json"), "w", encoding="utf-8").write(doc)
PY
python3 "$REALMAP_ROOT/test/portal/check_v1_accuracy.py" "$WORK/v1" "$WORK/truth" --misses 40 >"$WORK/accuracy.txt" 2>&1
rc=$?
sed 's/^/# /' "$WORK/accuracy.txt" | head -120
all=$(awk '$1 == "ALL" { print $4 }' "$WORK/accuracy.txt")
ok $rc "the loaded V1 documents hold ${all:-?} % of the ground-truth values exactly (target 99.5 %)"

# the same pages again: nothing changes
before=$(q -c "SELECT md5(string_agg(project_id || ':' || xmin::text, ',' ORDER BY project_id)) FROM realmap.projects")
children=$(q -c "SELECT (SELECT count(*) FROM realmap.unit_types) + (SELECT count(*) FROM realmap.quarterly_updates) + (SELECT count(*) FROM realmap.project_documents)")
q -c "SELECT realmap.rerun($R, 'extract_raw')" >/dev/null
q -c "SELECT realmap.wait($R, '900 s')" >/dev/null
is "$(q -c "SELECT count(*) FROM realmap.task_instances WHERE run_id = $R AND task_name = 'load_to_db' AND state = 'succeeded'")" 1959 \
   "extracting and loading the same pages again succeeds"
is "$(q -c "SELECT md5(string_agg(project_id || ':' || xmin::text, ',' ORDER BY project_id)) FROM realmap.projects")" "$before" \
   "and writes no project row (same ids, same row versions)"
is "$(q -c "SELECT (SELECT count(*) FROM realmap.unit_types) + (SELECT count(*) FROM realmap.quarterly_updates) + (SELECT count(*) FROM realmap.project_documents)")" "$children" \
   "nor any child row"
