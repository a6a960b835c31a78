#!/usr/bin/env bash
# The whole of realmap_etl over the simulator's 1,988 projects.  No faults: every
# listing ends loaded or as a failed item with its error; the loaded V1 documents hold
# >= 99.5 % of the simulator's ground-truth values exactly (test/portal/check_v1_accuracy.py
# prints the per-field figures and every miss); every loaded project is geocoded,
# counted and scored with no failure, and finalize sums the run up.  Loading the same
# documents again changes no row.  Faults injected into chosen items (an
# Overpass 400 for two projects' positions, a Nominatim 403 for one project's query): exactly those items fail, each with its reason, all others are
# scored again, and the failed ones keep their earlier stats.
set -uo pipefail
. "$REALMAP_ROOT/test/harness/e2e_lib.sh"
echo "1..22"
e2e_cluster processing "realmap.max_workers = 4" || { echo "Bail out! cluster"; exit 1; }
start_simulator || { echo "Bail out! simulator"; exit 1; }
use_simulator 32 0

echo "# $(date +%T) run"
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

# enrichment and scoring
is "$(q -c "SELECT count(*) FILTER (WHERE state = 'succeeded') || '|' || count(*) FILTER (WHERE state NOT IN ('succeeded', 'upstream_failed'))
              FROM realmap.task_instances WHERE run_id = $R AND task_name IN ('geocode', 'amenities', 'compute_scores')")" "5877|0" \
   "every loaded project is geocoded, counted and scored: 3 x 1,959 instances, no failure"
is "$(q -c "SELECT count(*) || '|' || count(*) FILTER (WHERE latitude IS NULL) || '|' || count(*) FILTER (WHERE geocoding_status = 'geocoded')
              || '|' || count(*) FILTER (WHERE geocoding_status = 'geocoded' AND EXISTS (
                    SELECT 1 FROM realmap.project_locations l WHERE l.project_id = p.project_id AND l.from_page
                       AND l.lat BETWEEN 17.790535 AND 24.076559 AND l.lon BETWEEN 80.456686 AND 84.368570))
              FROM realmap.projects p")" "1959|0|$(q -c "SELECT count(*) FROM realmap.projects p WHERE NOT EXISTS (
                    SELECT 1 FROM realmap.project_locations l WHERE l.project_id = p.project_id AND l.from_page
                       AND l.lat BETWEEN 17.790535 AND 24.076559 AND l.lon BETWEEN 80.456686 AND 84.368570)")|0" \
   "every project has a position; exactly those without a usable RERA position are geocoded"
echo "# geocoded: $(q -c "SELECT count(*) FROM realmap.projects WHERE geocoding_status = 'geocoded'"); Nominatim requests: $(q -c "SELECT count(*) FROM realmap.geocode_cache"); by precision: $(q -c "SELECT string_agg(geo_precision || ' ' || n, ', ') FROM (SELECT geo_precision, count(*) n FROM realmap.projects GROUP BY 1 ORDER BY 2 DESC) x")"
is "$(q -c "SELECT count(*) FROM (SELECT project_id FROM realmap.project_amenity_stats GROUP BY 1 HAVING count(*) = 35) x")" 1959 \
   "each project has its 35 amenity slices"
is "$(q -c "SELECT count(*) || '|' || count(*) FILTER (WHERE overall_score IS NULL) || '|' || count(*) FILTER (WHERE run_id = $R)
              FROM realmap.project_scores")" "1959|0|1959" "each project has an overall score from this run"
echo "# score status: $(q -c "SELECT string_agg(score_status || ' ' || n, ', ') FROM (SELECT score_status, count(*) n FROM realmap.project_scores GROUP BY 1) x"); value scores: $(q -c "SELECT count(value_score) FROM realmap.project_scores")"
is "$(q -c "SELECT summary->>'scored' || '|' || (summary->>'error_count') || '|' || (summary #>> '{errors_by_task,fetch_details}')
              || '|' || (summary #>> '{tasks,compute_scores,succeeded}') FROM realmap.run_summaries WHERE run_id = $R")" \
   '1959|29|{"22000": 29}|1959' "finalize sums the run up: scored, errors by task and SQLSTATE, items per task and state"
is "$(q -c "SELECT count(*) FROM realmap.project_scores s WHERE s.price_inr IS NOT NULL
              AND s.value_score IS DISTINCT FROM round(realmap.value_score(s.overall_score::float8, s.price_inr::float8,
                  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY price_inr) FROM realmap.project_scores WHERE price_inr > 0))::numeric, 2)")" 0 \
   "value scores are computed against the run's median price"

# the map: every scored project as a GeoJSON feature at its position, with its scores
q -c "SELECT realmap.projects_geojson()" >"$WORK/projects.geojson"
q -c "SELECT project_id || ' ' || latitude || ' ' || longitude || ' ' || coalesce(s.overall_score::text, '-')
        FROM realmap.projects p LEFT JOIN realmap.project_scores s USING (project_id)" >"$WORK/positions.txt"
geo=$(python3 - "$WORK/projects.geojson" "$WORK/positions.txt" <<'PY'
import json, sys
fc = json.load(open(sys.argv[1]))
want = {}
for line in open(sys.argv[2]):
    pid, lat, lon, score = line.split()
    want[int(pid)] = (float(lat), float(lon), None if score == "-" else float(score))
bad = []
assert fc["type"] == "FeatureCollection"
for f in fc["features"]:
    g, p = f["geometry"], f["properties"]
    lat, lon, score = want[f["id"]]
    if f["type"] != "Feature" or g["type"] != "Point" or g["coordinates"] != [lon, lat]:
        bad.append("%s geometry %s" % (f["id"], g))
    if p["overall_score"] != score or p["position_source"] is None or p["registration_number"] is None:
        bad.append("%s properties %s" % (f["id"], p))
print(len(fc["features"]), len(bad), "; ".join(bad[:3]))
PY
)
is "$geo" "1959 0 " "projects_geojson: a Point [lon, lat] per project at its position, with its position source and scores"
is "$(q -c "SELECT jsonb_array_length(realmap.projects_geojson('{\"district\": \"raipur\", \"bbox\": [81.5, 21.1, 81.8, 21.4]}')->'features')
              || '|' || (SELECT count(*) FROM realmap.projects WHERE district = 'Raipur'
                           AND longitude BETWEEN 81.5 AND 81.8 AND latitude BETWEEN 21.1 AND 21.4)")" \
   "$(q -c "SELECT count(*) FROM realmap.projects WHERE district = 'Raipur' AND longitude BETWEEN 81.5 AND 81.8 AND latitude BETWEEN 21.1 AND 21.4")|$(q -c "SELECT count(*) FROM realmap.projects WHERE district = 'Raipur' AND longitude BETWEEN 81.5 AND 81.8 AND latitude BETWEEN 21.1 AND 21.4")" \
   "filters: district (any case) and bbox"
is "$(q -c "SELECT realmap.projects_geojson('{\"distrct\": \"Raipur\"}')" 2>&1 | head -1)" \
   "ERROR:  projects_geojson: unknown filter key(s) distrct" "an unknown filter key is an error naming it"

echo "# $(date +%T) accuracy"
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

# The same documents again, now with faults in chosen items: two projects at positions of
# their own, one geocoded with a query of its own
A=$(q -c "SELECT p.project_id FROM realmap.projects p WHERE NOT EXISTS (SELECT 1 FROM realmap.projects o
            WHERE o.project_id <> p.project_id AND o.latitude = p.latitude AND o.longitude = p.longitude)
          ORDER BY p.project_id LIMIT 1")
C=$(q -c "SELECT p.project_id FROM realmap.projects p WHERE NOT EXISTS (SELECT 1 FROM realmap.projects o
            WHERE o.project_id <> p.project_id AND o.latitude = p.latitude AND o.longitude = p.longitude)
          ORDER BY p.project_id DESC LIMIT 1")
B=$(q -c "SELECT (t.output->>'project_id') FROM realmap.task_instances t WHERE t.run_id = $R AND t.task_name = 'geocode'
            AND t.output->>'status' = 'geocoded' AND NOT EXISTS (
                SELECT 1 FROM realmap.task_instances o, jsonb_array_elements(o.output->'tried') x
                 WHERE o.run_id = $R AND o.task_name = 'geocode' AND o.item <> t.item
                   AND x->>'query' IN (SELECT y->>'query' FROM jsonb_array_elements(t.output->'tried') y))
          ORDER BY t.item LIMIT 1")
where() { q -c "SELECT round(latitude::numeric, 7) || ',' || round(longitude::numeric, 7) FROM realmap.projects WHERE project_id = $1"; }
BQ=$(q -c "SELECT t.output->'tried'->-1->>'query' FROM realmap.task_instances t WHERE t.run_id = $R AND t.task_name = 'geocode' AND (t.output->>'project_id')::bigint = $B")
echo "# chosen: A=$A at $(where $A), B=$B ('$BQ'), C=$C at $(where $C)"
q -c "DELETE FROM realmap.amenity_poi_cache WHERE query_key IN (SELECT query_key FROM realmap.project_amenity_stats WHERE project_id IN ($A, $C))" >/dev/null
q -c "DELETE FROM realmap.geocode_cache WHERE query_key = lower('$(printf "%s" "$BQ" | sed "s/'/''/g")')" >/dev/null
sim POST /__sim/faults "{\"overpass\": {\"error_rate\": 1, \"error_status\": 400, \"match\": [\",$(where $A));\", \",$(where $C));\"]},
                        \"nominatim\": {\"error_rate\": 1, \"error_status\": 403, \"match\": \"$BQ\"}}" >/dev/null
before=$(q -c "SELECT md5(string_agg(project_id || ':' || xmin::text, ',' ORDER BY project_id)) FROM realmap.projects")
children=$(q -c "SELECT (SELECT count(*) FROM realmap.unit_types) + (SELECT count(*) FROM realmap.quarterly_updates) + (SELECT count(*) FROM realmap.project_documents)")
echo "# $(date +%T) rerun from load_to_db with the faults"
q -c "SELECT realmap.rerun($R, 'load_to_db')" >/dev/null
q -c "SELECT realmap.wait($R, '900 s')" >/dev/null
echo "# $(date +%T) rerun done"
sim DELETE /__sim/faults >/dev/null
is "$(q -c "SELECT count(*) FROM realmap.task_instances WHERE run_id = $R AND task_name = 'load_to_db' AND state = 'succeeded'")" 1959 \
   "loading the same documents again succeeds"
is "$(q -c "SELECT md5(string_agg(project_id || ':' || xmin::text, ',' ORDER BY project_id)) FROM realmap.projects")" "$before" \
   "and writes no project row (same ids, same row versions)"
is "$(q -c "SELECT (SELECT count(*) FROM realmap.unit_types) + (SELECT count(*) FROM realmap.quarterly_updates) + (SELECT count(*) FROM realmap.project_documents)")" "$children" \
   "nor any child row"

failed_items() { q -c "SELECT coalesce(string_agg(task_name || ':' || coalesce(pj::text, item), ' ' ORDER BY task_name, pj), '')
                         FROM (SELECT t.task_name, t.item, (SELECT project_id FROM realmap.projects p WHERE p.rera_registration_number = t.item) AS pj
                                 FROM realmap.task_instances t WHERE t.run_id = $R AND t.state = 'failed'
                                  AND t.task_name IN ('geocode', 'amenities', 'compute_scores')) x"; }
want=$(printf "amenities:%s\namenities:%s\ngeocode:%s\n" "$A" "$C" "$B" | sort -t: -k1,1 -k2,2n | tr '\n' ' ' | sed 's/ $//')
is "$(failed_items)" "$want" "exactly the three chosen items fail"
is "$(q -c "SELECT string_agg(CASE WHEN t.error_message LIKE '%HTTP 400%' THEN 'overpass 400'
                                   WHEN t.error_message LIKE '%HTTP 403%' THEN 'nominatim 403' ELSE t.error_message END
                            || '/' || t.attempt, ', ' ORDER BY p.project_id)
              FROM realmap.task_instances t JOIN realmap.projects p ON p.rera_registration_number = t.item
             WHERE t.run_id = $R AND t.state = 'failed' AND t.task_name IN ('geocode', 'amenities')")" \
   "$(for x in "$A overpass 400" "$B nominatim 403" "$C overpass 400"; do echo "$x"; done | sort -n | cut -d' ' -f2- | sed 's/$/\/2/' | paste -sd, | sed 's/,/, /g')" \
   "each with its reason, at its first attempt (not retryable; attempt 2 after the first run)"
is "$(q -c "SELECT count(*) FILTER (WHERE state = 'succeeded') || '|' || count(*) FILTER (WHERE state = 'upstream_failed')
              FROM realmap.task_instances WHERE run_id = $R AND task_name = 'compute_scores'")" "1956|32" \
   "all other 1,956 projects are scored again; the 3 and the 29 unfetched are upstream_failed"
is "$(q -c "SELECT count(*) FILTER (WHERE s.project_id = $A) || '|' || count(*) FILTER (WHERE s.project_id = $C)
              FROM realmap.project_amenity_stats s WHERE s.project_id IN ($A, $C)")" "35|35" \
   "the failed amenity counts wrote nothing: the earlier stats stay"
is "$(q -c "SELECT summary->>'error_count' || '|' || (summary->>'scored') FROM realmap.run_summaries WHERE run_id = $R")" "32|1956" \
   "finalize ran again (all_done) and counts the new failures"
