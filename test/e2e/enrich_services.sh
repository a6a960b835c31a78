#!/usr/bin/env bash
# Geocoding and amenities against the simulator's Nominatim and Overpass, through the
# SQL functions a user calls (realmap.geocode_project, realmap.compute_amenities) and
# the DAG's amenities task.  A small run loads 60 projects (about a third of them
# without a usable RERA position); then, per step, the simulator's stats (and its
# request log) tell what really went out:
#   geocoding  candidates fall back address -> locality -> tehsil in order; cached
#              answers and cached misses ask nothing until they expire; the rate limit
#              holds across two sessions (strict Nominatim: no 429); a RERA pin beats a
#              coarse geocode; a RERA position outside the state is rejected with a flag
#   amenities  one Overpass request per project, 35 slices; the counts and nearest
#              distances equal an independent computation over the simulator's POIs;
#              a 503 or a timeout writes nothing (and the DAG task retries a 503); an
#              Overpass query error is a syntax error (42601), never retried
set -uo pipefail
. "$REALMAP_ROOT/test/harness/e2e_lib.sh"
echo "1..21"
e2e_cluster enrich "realmap.max_workers = 4" || { echo "Bail out! cluster"; exit 1; }
start_simulator --log || { echo "Bail out! simulator"; exit 1; }
use_simulator 32 0
# the simulator's request log (--log: one line per request on its stderr, the target
# cut at 120 characters): the only place that shows a Nominatim request's q
SIMLOG=$(readlink "/proc/$SIM_PID/fd/2")
[ -r "$SIMLOG" ] || { echo "# the simulator's log is not readable: the query-order checks will fail"; SIMLOG=/dev/null; }

# jv JSON PYTHON-EXPR: the expression over d (the parsed JSON); strings bare, the rest as JSON
jv() {
  python3 -c 'import json, sys
d = json.loads(sys.argv[1])
try:
    r = eval(sys.argv[2])
except Exception as e:
    r = "<%s: %s>" % (type(e).__name__, e)
print(r if isinstance(r, str) else json.dumps(r))' "$1" "$2"
}
# qerr SQL...: runs the statements; prints "SQLSTATE|message" of the error (nothing when none)
qerr() {
  psql -X -At -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose "$@" 2>&1 >/dev/null |
    sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\): /\1|/p' | head -1
}
diag() { sed 's/^/#   /'; }
# nominatim_qs FROM-LINE: the q of each Nominatim request logged from line FROM-LINE on,
# one a line, " <cut>" appended where the log cut it
nominatim_qs() {
  tail -n +"$1" "$SIMLOG" | python3 -c '
import re, sys, urllib.parse
for line in sys.stdin:
    parts = line.split(" ")
    if len(parts) < 3 or not parts[2].startswith("/search?"):
        continue
    target = parts[2]
    raw = target.split("?", 1)[1]
    q = [p for p in raw.split("&") if p.startswith("q=")]
    if not q:
        print("<no q>"); continue
    cut = q[0] == raw.split("&")[-1] and len(target) >= 120
    v = re.sub(r"%[0-9A-Fa-f]?$", "", q[0][2:])
    print(urllib.parse.unquote(v) + (" <cut>" if cut else ""))'
}
log_lines() { wc -l <"$SIMLOG"; }
# sim_count ENDPOINT [STATUS]: the endpoint's requests since the last stats reset
sim_count() {
  sim GET '/__sim/stats?timestamps=0' | python3 -c '
import json, sys
e = json.load(sys.stdin)["by_endpoint"].get(sys.argv[1], {})
print(sum(e.values()) if len(sys.argv) < 3 else e.get(sys.argv[2], 0))' "$@"
}
# the configuration's value of KEY, as stored (jsonb text)
cfg() { q -c "SELECT value::text FROM realmap.config WHERE key = '$1'"; }
setcfg() { q -c "UPDATE realmap.config SET value = '$2' WHERE key = '$1'" >/dev/null; }
# the candidates of project P: "level|query" lines, finest first
candidates() {
  q -c "SELECT c->>'level' || '|' || (c->>'query') FROM realmap.projects p,
               jsonb_array_elements(realmap.geocode_candidates(jsonb_build_object('address', p.full_address,
                   'locality', p.village_or_locality, 'tehsil', p.tehsil, 'district', p.district,
                   'pincode', p.pincode))->'candidates') WITH ORDINALITY AS x(c, n)
         WHERE p.project_id = $1 ORDER BY n"
}
forget_candidates() {  # forget_candidates P: no cached answer for any of P's queries
  q -c "DELETE FROM realmap.geocode_cache g USING realmap.projects p,
               jsonb_array_elements(realmap.geocode_candidates(jsonb_build_object('address', p.full_address,
                   'locality', p.village_or_locality, 'tehsil', p.tehsil, 'district', p.district,
                   'pincode', p.pincode))->'candidates') c
         WHERE p.project_id = $1 AND g.query_key = lower(c->>'query')" >/dev/null
}

R=$(q -c "SELECT realmap.run('{\"max_listings\": 60}')")
state=$(q -c "SELECT realmap.wait($R, '300 s')")
[ "$state" = succeeded ] || {
  echo "# run $R ended $state:"; q -c "SELECT task_name, item, state, error_sqlstate, error_message FROM realmap.task_instances
                                      WHERE run_id = $R AND state <> 'succeeded' LIMIT 10" | diag
  echo "Bail out! the run of 60 projects did not succeed"; exit 1; }
echo "# run $R: $(q -c "SELECT string_agg(geocoding_status || ' ' || n, ', ') FROM (SELECT geocoding_status, count(*) n
                          FROM realmap.projects GROUP BY 1 ORDER BY 1) s")"

# ====================================================================== geocoding
# 1-2. The fallback.  The simulator answers [] for an address line none of whose words
# is a known locality of the district; the real addresses of these projects all name
# one, so one project (without a RERA position) gets an address line and a locality
# nobody knows: the address and locality queries miss, the tehsil one is found.
P1=$(q -c "SELECT min(project_id) FROM realmap.projects WHERE geocoding_status = 'geocoded' AND tehsil = district")
orig=$(q -c "SELECT row_to_json(p)::text FROM (SELECT full_address, village_or_locality FROM realmap.projects
                                                WHERE project_id = $P1) p")
q -c "UPDATE realmap.projects SET full_address = 'Zqxw Vlorpt Enclave', village_or_locality = 'Qwibblex'
       WHERE project_id = $P1" >/dev/null
forget_candidates "$P1"
cands=$(candidates "$P1")
sim POST /__sim/stats/reset >/dev/null
from=$(( $(log_lines) + 1 ))
G=$(q -c "SELECT realmap.geocode_project($P1)")
have="$(jv "$G" '" > ".join("%s:%s" % (t["level"], "found" if t["found"] else "miss") for t in d["tried"])')|$(jv "$G" 'd["status"]')"
is "$have" "address:miss > locality:miss > tehsil:found|geocoded" \
   "project $P1, whose address line and locality name nothing known: the tried list falls back address, locality, tehsil in order and ends geocoded"
[ "$have" = "address:miss > locality:miss > tehsil:found|geocoded" ] || { echo "#   candidates:"; echo "$cands" | diag; echo "#   result: $G"; }
tried_qs=$(jv "$G" '"\n".join(t["query"] for t in d["tried"])')
sleep 0.2; sent_qs=$(nominatim_qs "$from")
n_nom=$(sim_count nominatim)
match=$(python3 -c '
import sys
tried = [l for l in sys.argv[1].split("\n") if l]
sent = [l for l in sys.argv[2].split("\n") if l]
ok = len(tried) == len(sent) == 3 and all(
    t == s or (s.endswith(" <cut>") and t.startswith(s[:-6])) for t, s in zip(tried, sent))
print(0 if ok else 1)' "$tried_qs" "$sent_qs")
ok "$( [ "$match" = 0 ] && [ "$n_nom" = 3 ] && [ "$(jv "$G" 'd["requests"]')" = 3 ]; echo $?)" \
   "the simulator got the same 3 queries in the same order (requests: $(jv "$G" 'd["requests"]'), Nominatim requests: $n_nom)"
[ "$match" = 0 ] || { echo "#   tried:"; echo "$tried_qs" | diag; echo "#   sent:"; echo "$sent_qs" | diag; }

# 3. Everything is cached now, the misses too: asked again, nothing goes out.
sim POST /__sim/stats/reset >/dev/null
G2=$(q -c "SELECT realmap.geocode_project($P1)")
have="$(jv "$G2" 'd["requests"]')|$(jv "$G2" 'd["cache_uses"]')|$(sim_count nominatim)|$(jv "$G2" '[t["cached"] for t in d["tried"]]')|$(jv "$G2" '[d["latitude"], d["longitude"]]')"
is "$have" "0|3|0|[true, true, true]|$(jv "$G" '[d["latitude"], d["longitude"]]')" \
   "geocoding project $P1 again: 0 requests, 3 cache uses, the simulator saw no Nominatim request, same position"

# 4. The miss is a cache row of its own, kept for geocode.miss_ttl (a hit for cache_ttl).
miss_q=$(jv "$G" 'd["tried"][0]["query"]')
hit_q=$(jv "$G" 'd["tried"][2]["query"]')
miss_ttl=$(q -c "SELECT value #>> '{}' FROM realmap.config WHERE key = 'geocode.miss_ttl'")
cache_ttl=$(q -c "SELECT value #>> '{}' FROM realmap.config WHERE key = 'geocode.cache_ttl'")
have=$(q -v mq="$miss_q" -v hq="$hit_q" <<SQL
SELECT string_agg(format('%s:found=%s,answer=%s,ttl_ok=%s', level, found, answer IS NOT NULL,
                         expires_at = fetched_at + CASE WHEN found THEN '$cache_ttl' ELSE '$miss_ttl' END::interval
                         AND expires_at - now() BETWEEN CASE WHEN found THEN '$cache_ttl' ELSE '$miss_ttl' END::interval
                                                        - interval '10 minutes'
                                                    AND CASE WHEN found THEN '$cache_ttl' ELSE '$miss_ttl' END::interval),
                  ' ' ORDER BY level)
  FROM realmap.geocode_cache WHERE query_key IN (lower(:'mq'), lower(:'hq'));
SQL
)
is "$have" "address:found=f,answer=f,ttl_ok=t tehsil:found=t,answer=t,ttl_ok=t" \
   "the missed address query is cached as a miss until now() + geocode.miss_ttl ($miss_ttl), the found one until + cache_ttl ($cache_ttl)"
[ "$have" = "address:found=f,answer=f,ttl_ok=t tehsil:found=t,answer=t,ttl_ok=t" ] ||
  q -c "SELECT query_key, found, fetched_at, expires_at, now() FROM realmap.geocode_cache" | diag

# 5. An expired miss is asked again (once), and remembered again.
q -v mq="$miss_q" <<<"UPDATE realmap.geocode_cache SET expires_at = now() - interval '1 second' WHERE query_key = lower(:'mq')" >/dev/null
sim POST /__sim/stats/reset >/dev/null
from=$(( $(log_lines) + 1 ))
G3=$(q -c "SELECT realmap.geocode_project($P1)")
sleep 0.2; sent_qs=$(nominatim_qs "$from")
renewed=$(q -v mq="$miss_q" <<<"SELECT expires_at > now() + '$miss_ttl'::interval - interval '10 minutes'
                                  FROM realmap.geocode_cache WHERE query_key = lower(:'mq')")
same=$(python3 -c 'import sys; s, t = sys.argv[1], sys.argv[2]; print(int(s == t or (s.endswith(" <cut>") and t.startswith(s[:-6]))))' "$sent_qs" "$miss_q")
is "$(jv "$G3" 'd["requests"]')|$(jv "$G3" 'd["cache_uses"]')|$(sim_count nominatim)|$same|$renewed|$(jv "$G3" 'd["status"]')" "1|2|1|1|t|geocoded" \
   "once the miss has expired it is asked again: 1 request (that query), 2 cache uses, the miss remembered anew"
[ "$same" = 1 ] || echo "#   sent: $sent_qs (expected: $miss_q)"
# project $P1 as it was
q -v o="$orig" <<<"UPDATE realmap.projects SET full_address = (:'o'::json)->>'full_address',
                          village_or_locality = (:'o'::json)->>'village_or_locality' WHERE project_id = $P1" >/dev/null
q -c "SELECT realmap.geocode_project($P1)" >/dev/null

# 6-7. The rate limit holds across sessions: 4 requests per second, one at a time, two
# sessions geocoding 6 projects each with nothing cached; the simulator in strict mode
# answers 429 to a request less than 0.2 s after the previous one.
rate0=$(cfg geocode.max_requests_per_second); conc0=$(cfg geocode.max_concurrent)
setcfg geocode.max_requests_per_second 4
setcfg geocode.max_concurrent 1
q -c "DELETE FROM realmap.geocode_cache" >/dev/null
sim POST /__sim/config '{"nominatim_strict": true, "nominatim_min_interval": 0.25}' >/dev/null
ids=$(q -c "SELECT project_id FROM realmap.projects WHERE geocoding_status = 'geocoded' ORDER BY project_id LIMIT 12")
a=""; b=""; i=0
for id in $ids; do
  i=$((i + 1))
  if [ $((i % 2)) = 0 ]; then a="$a SELECT realmap.geocode_project($id)->'requests';"
  else b="$b SELECT realmap.geocode_project($id)->'requests';"; fi
done
sim POST /__sim/stats/reset >/dev/null
q -c "$a" >"$WORK/enrich.$$.a.out" & pa=$!
q -c "$b" >"$WORK/enrich.$$.b.out" & pb=$!
wait $pa $pb
sim POST /__sim/config '{"nominatim_strict": false, "nominatim_min_interval": 1.0}' >/dev/null
setcfg geocode.max_requests_per_second "$rate0"
setcfg geocode.max_concurrent "$conc0"
asked=$(cat "$WORK/enrich.$$.a.out" "$WORK/enrich.$$.b.out" | awk '/^[0-9]+$/ { s += $1; n++ } END { print n "|" s }')
read -r n statuses clients min_gap gaps <<<"$(sim GET '/__sim/stats?timestamps=all' | python3 -c '
import json, sys
s = json.load(sys.stdin)
ts = sorted((t for t in s["timestamps"] if t["endpoint"] == "nominatim"), key=lambda t: t["t"])
gaps = [round(b["t"] - a["t"], 3) for a, b in zip(ts, ts[1:])]
st = ",".join("%s:%d" % (k, v) for k, v in sorted(s["by_endpoint"].get("nominatim", {}).items()))
print(len(ts), st or "-", len(set(t["client"] for t in ts)), min(gaps) if gaps else 0, ",".join(map(str, gaps)) or "-")')"
is "$statuses|$asked" "200:$n|12|$n" \
   "12 projects geocoded from 2 sessions at 4 requests/s: the strict simulator answered all $n requests 200, no 429"
[ "$(cat "$WORK/enrich.$$.a.out" "$WORK/enrich.$$.b.out" | grep -vc '^[0-9]*$')" = 0 ] || cat "$WORK/enrich.$$.a.out" "$WORK/enrich.$$.b.out" | grep -v '^[0-9]*$' | head -5 | diag
ok "$(awk -v g="$min_gap" -v n="$n" -v c="$clients" 'BEGIN { exit !(n >= 12 && g >= 0.2 && c >= 2) }'; echo $?)" \
   "consecutive Nominatim arrivals at least 0.2 s apart across both sessions ($clients connections; smallest gap $min_gap s)"
echo "#   gaps: $gaps"

# 8-9. A RERA pin beats a coarse geocode: geocode_all asks Nominatim for a project with
# its own listing-map pin, and the pin stays the position.
P2=$(q -c "SELECT min(p.project_id) FROM realmap.projects p WHERE p.geocoding_status = 'rera'
             AND (SELECT count(*) FROM realmap.project_locations l WHERE l.project_id = p.project_id AND l.from_page) = 1
             AND EXISTS (SELECT 1 FROM realmap.project_locations l WHERE l.project_id = p.project_id AND l.from_page
                            AND l.source_type = 'listing_map')")
forget_candidates "$P2"
sim POST /__sim/stats/reset >/dev/null
G=$(q -c "SELECT realmap.geocode_project($P2, geocode_all => true)")
pin=$(q -c "SELECT lat || ',' || lon FROM realmap.project_locations WHERE project_id = $P2 AND from_page")
pos=$(q -c "SELECT latitude || ',' || longitude || '|' || geocoding_status || '|' || geo_source || '|' || geo_precision
              FROM realmap.projects WHERE project_id = $P2")
have="$(jv "$G" 'd["requests"] > 0 and d["requests"] == len([t for t in d["tried"] if not t["cached"]])')|$(sim_count nominatim)|$(jv "$G" 'd["status"]')|$(jv "$G" 'd["source_type"]')|$(jv "$G" 'd["precision"]')|$pos"
is "$have" "true|$(jv "$G" 'd["requests"]')|rera|listing_map|site|$pin|rera|listing_map|site" \
   "project $P2, geocode_all: Nominatim is asked ($(jv "$G" 'd["requests"]') request(s)), yet its listing-map pin stays the position (site precision)"
[ "$(jv "$G" 'd["requests"]')" = 0 ] && echo "#   result: $G"
geo_row=$(q -c "SELECT precision_level || '|' || (lat || ',' || lon <> '$pin') FROM realmap.project_locations
                 WHERE project_id = $P2 AND source_type = 'geocode_normalized' AND NOT from_page")
found=$(jv "$G" '[t for t in d["tried"] if t["found"]][-1]["level"] if any(t["found"] for t in d["tried"]) else "none"')
ok "$( [[ "$geo_row" =~ ^[a-z_]+\|true$ ]] && [[ "$geo_row" != site* ]]; echo $?)" \
   "and the geocode is kept beside it in project_locations (geocode_normalized, precision ${geo_row%%|*}, from the $found query)"

# 10-11. A RERA position outside Chhattisgarh is rejected with a flag.
C=$(q -c "SELECT realmap.choose_location('[{\"source_type\": \"listing_map\", \"latitude\": 0, \"longitude\": 0},
            {\"source_type\": \"geocode_normalized\", \"latitude\": 21.25, \"longitude\": 81.63, \"precision\": \"city\",
             \"query_level\": \"tehsil\"}]')")
have="$(jv "$C" 'd["source_type"]')|$(jv "$C" '[d["latitude"], d["longitude"]]')|$(jv "$C" '"listing_map_outside_bbox" in d["flags"]')|$(jv "$C" '[c["rejected_because"] for c in d["candidates"] if c["source_type"] == "listing_map"]')"
is "$have" 'geocode_normalized|[21.25, 81.63]|true|["outside_bbox"]' \
   "choose_location: a listing pin at 0,0 is rejected (outside_bbox, flag listing_map_outside_bbox) and the geocode chosen"
[ "$have" = 'geocode_normalized|[21.25, 81.63]|true|["outside_bbox"]' ] || echo "#   $C"
P3=$(q -c "SELECT min(p.project_id) FROM realmap.projects p WHERE p.geocoding_status = 'rera' AND p.project_id <> $P2
             AND (SELECT count(*) FROM realmap.project_locations l WHERE l.project_id = p.project_id AND l.from_page) = 1
             AND EXISTS (SELECT 1 FROM realmap.project_locations l WHERE l.project_id = p.project_id AND l.from_page
                            AND l.source_type = 'listing_map')")
before=$(q -c "SELECT latitude || ',' || longitude || '|' || geocoding_status FROM realmap.projects WHERE project_id = $P3")
G=$(q <<SQL | grep '^{'
BEGIN;
UPDATE realmap.project_locations SET lat = 0, lon = 0 WHERE project_id = $P3 AND from_page;
SELECT realmap.geocode_project($P3);
ROLLBACK;
SQL
)
after=$(q -c "SELECT latitude || ',' || longitude || '|' || geocoding_status FROM realmap.projects WHERE project_id = $P3")
have="$(jv "$G" 'd["status"]')|$(jv "$G" 'd["source_type"]')|$(jv "$G" '"listing_map_outside_bbox" in d["flags"]')|$(jv "$G" '17.790535 <= d["latitude"] <= 24.076559 and 80.456686 <= d["longitude"] <= 84.368570')|$after"
is "$have" "geocoded|geocode_normalized|true|true|$before" \
   "project $P3 with its pin moved to 0,0 (in a transaction rolled back): geocoded inside the state instead, flag listing_map_outside_bbox"
[[ "$have" == geocoded* ]] || echo "#   $G"

# ====================================================================== amenities
# projects with a position of their own (no other project counts around the same point)
mapfile -t AP < <(q -c "SELECT min(project_id) FROM realmap.projects WHERE project_id NOT IN ($P1, $P2, $P3)
                         GROUP BY latitude, longitude HAVING count(*) = 1 ORDER BY 1 LIMIT 5")
P9=${AP[4]}; AP=("${AP[@]:0:4}"); list=$(IFS=,; echo "${AP[*]}")
forget_pois() {  # forget_pois P...: the Overpass answers cached for these projects' positions
  q -c "DELETE FROM realmap.amenity_poi_cache WHERE query_key IN (
          SELECT encode(sha256(convert_to(realmap.overpass_query(latitude, longitude, realmap._amenity_categories(),
                        coalesce((SELECT (value #>> '{}')::int FROM realmap.config WHERE key = 'amenities.query_timeout_s'), 60)),
                        'UTF8')), 'hex') FROM realmap.projects WHERE project_id IN ($(IFS=,; echo "$*")))" >/dev/null
}
coords_of() {  # the "lat,lon" of project P as its Overpass query writes it
  q -c "SELECT substring(realmap.overpass_query(latitude, longitude, realmap._amenity_categories(), 60)
                         FROM 'around:[0-9.]+,(-?[0-9.]+,-?[0-9.]+)\)') FROM realmap.projects WHERE project_id = $1"
}

# 12-13. One request per project, 35 slices each; again: from the cache.
forget_pois "${AP[@]}"
sim POST /__sim/stats/reset >/dev/null
out=$(for p in "${AP[@]}"; do q -c "SELECT realmap.compute_amenities($p)"; done)
res=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.startswith("{")]
print(len(rows), sum(r["requests"] for r in rows), sorted(set(r["slices"] for r in rows)) == [35])' <<<"$out")
rows=$(q -c "SELECT string_agg(n::text, ',' ORDER BY project_id) FROM (SELECT project_id, count(*) n
               FROM realmap.project_amenity_stats WHERE project_id IN ($list) GROUP BY 1) s")
is "$res|$(sim_count overpass)|$(sim_count overpass 200)|$rows" "4 4 True|4|4|35,35,35,35" \
   "compute_amenities on 4 projects with nothing cached: 4 Overpass requests, one each, 35 slices and 35 stats rows per project"
[ "$res" = "4 4 True" ] || echo "$out" | head -4 | diag
sim POST /__sim/stats/reset >/dev/null
A=$(q -c "SELECT realmap.compute_amenities(${AP[0]})")
is "$(jv "$A" 'd["requests"]')|$(jv "$A" 'd["cached"]')|$(jv "$A" 'd["slices"]')|$(sim_count overpass)" "0|true|35|0" \
   "computed again, project ${AP[0]} is answered from the cache: no Overpass request"

# 14. The counts and nearest distances, computed independently: our own Overpass query
# per project (one statement per tag at its category's largest radius), haversine
# (R = 6371.0 km) from the position counted around, unique elements per category.
cats=$(q -c "SELECT json_agg(json_build_object('category', category, 'key', key, 'value', value, 'radii', radii_km))
               FROM realmap.amenity_categories")
stats=$(q -c "SELECT json_agg(json_build_object('project_id', project_id, 'lat', latitude, 'lon', longitude,
                     'type', amenity_type, 'radius', radius_km, 'count', nearby_count, 'nearest', nearby_nearest_km))
                FROM realmap.project_amenity_stats WHERE project_id IN (${AP[0]}, ${AP[1]}, ${AP[2]})")
check=$(python3 - "$SIM" "$cats" "$stats" <<'PY'
import json, math, sys, urllib.parse, urllib.request
sim, cats, stats = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
radii = {}
for c in cats:
    radii.setdefault(c["category"], set()).update(c["radii"])
def hav(a, b, c, d):
    p1, p2 = math.radians(a), math.radians(c)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(d - b) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))
by_project = {}
for s in stats:
    by_project.setdefault(s["project_id"], []).append(s)
bad, compared, pois = [], 0, 0
for pid, rows in sorted(by_project.items()):
    lat, lon = rows[0]["lat"], rows[0]["lon"]
    stmts = "".join('node["%s"="%s"](around:%d,%r,%r);way["%s"="%s"](around:%d,%r,%r);'
                    % (c["key"], c["value"], max(radii[c["category"]]) * 1000, lat, lon,
                       c["key"], c["value"], max(radii[c["category"]]) * 1000, lat, lon) for c in cats)
    query = "[out:json][timeout:90];(%s);out center;" % stmts
    body = urllib.parse.urlencode({"data": query}).encode()
    els = json.load(urllib.request.urlopen(urllib.request.Request(sim + "/api/interpreter", data=body), timeout=60))["elements"]
    pois += len(els)
    for cat, rs in radii.items():
        tags = [(c["key"], c["value"]) for c in cats if c["category"] == cat]
        seen, dist = set(), []
        for e in els:
            t = e.get("tags", {})
            if not any(t.get(k) == v for k, v in tags) or (e["type"], e["id"]) in seen:
                continue
            seen.add((e["type"], e["id"]))
            pos = e if "lat" in e else e.get("center")
            dist.append(hav(lat, lon, pos["lat"], pos["lon"]))
        for r in sorted(rs):
            inside = [d for d in dist if d <= r]
            want_n, want_d = len(inside), (round(min(inside), 3) if inside else None)
            got = [s for s in rows if s["type"] == cat and float(s["radius"]) == r]
            compared += 1
            if len(got) != 1:
                bad.append("%s %s %s km: %d rows" % (pid, cat, r, len(got))); continue
            g = got[0]
            if g["count"] != want_n or (want_d is None) != (g["nearest"] is None) or \
               (want_d is not None and abs(float(g["nearest"]) - want_d) > 0.0005 + 1e-9):
                bad.append("%s %s %s km: have %s / %s, want %s / %s" % (pid, cat, r, g["count"], g["nearest"], want_n, want_d))
    extra = len(rows) - sum(len(v) for v in radii.values())
    if extra:
        bad.append("%s: %d rows more than (category, radius) pairs" % (pid, extra))
print("%d %d %d %d" % (len(by_project), compared, len(bad), pois))
for b in bad[:20]:
    print(b)
PY
)
read -r np ncmp nbad npois <<<"$(head -1 <<<"$check")"
is "$np|$ncmp|$nbad" "3|105|0" \
   "for 3 projects all 105 (category, radius) counts and nearest distances equal the ones computed here from the simulator's $npois elements"
tail -n +2 <<<"$check" | diag

# 15. An Overpass 503 raises and writes nothing.
q -c "DELETE FROM realmap.project_amenity_stats WHERE project_id = $P9" >/dev/null
forget_pois "$P9"
XY9=$(coords_of "$P9")
sim POST /__sim/stats/reset >/dev/null
sim POST /__sim/faults "{\"overpass\": {\"error_rate\": 1, \"error_status\": 503, \"times\": 1, \"match\": \"$XY9\"}}" >/dev/null
err=$(qerr -c "SELECT realmap.compute_amenities($P9)")
left=$(q -c "SELECT (SELECT count(*) FROM realmap.project_amenity_stats WHERE project_id = $P9) || ','
                || (SELECT count(*) FROM realmap.amenity_poi_cache WHERE latitude || ',' || longitude =
                      (SELECT latitude || ',' || longitude FROM realmap.projects WHERE project_id = $P9))")
ok "$( [[ "$err" == 08006\|*"HTTP 503"* ]] && [ "$left" = "0,0" ] && [ "$(sim_count overpass 503)" = 1 ]; echo $?)" \
   "an Overpass 503 for project $P9: compute_amenities raises (SQLSTATE ${err%%|*}: the remote side failed, retryable) naming HTTP 503, and writes no stats row and no cache row"
echo "#   error: $err"; echo "#   stats rows, cache rows: $left"
sim DELETE /__sim/faults >/dev/null

# 16. As a DAG task the 503 is retried: two 503s for project P9's position, then the
# answer; the rerun of amenities ends succeeded.  (The task's backoff, 5 s and 10 s,
# lowered to 1 s here to keep the suite fast.)
backoff0=$(q -c "SELECT backoff FROM realmap.dag_tasks WHERE dag_name = 'realmap_etl' AND task_name = 'amenities'")
q -c "UPDATE realmap.dag_tasks SET backoff = '1 second' WHERE dag_name = 'realmap_etl' AND task_name = 'amenities'" >/dev/null
REG9=$(q -c "SELECT rera_registration_number FROM realmap.projects WHERE project_id = $P9")
att0=$(q -c "SELECT attempt FROM realmap.task_instances WHERE run_id = $R AND task_name = 'amenities' AND item = '$REG9'")
sim POST /__sim/stats/reset >/dev/null
sim POST /__sim/faults "{\"overpass\": {\"error_rate\": 1, \"error_status\": 503, \"times\": 2, \"match\": \"$XY9\"}}" >/dev/null
q -c "SELECT realmap.rerun($R, 'amenities')" >/dev/null
state=$(q -c "SELECT realmap.wait($R, '120 s')")
sim DELETE /__sim/faults >/dev/null
q -c "UPDATE realmap.dag_tasks SET backoff = '$backoff0' WHERE dag_name = 'realmap_etl' AND task_name = 'amenities'" >/dev/null
have=$(q -c "SELECT ti.state || '|' || (ti.attempt - $att0) || '|' ||
                    (SELECT count(*) FROM realmap.task_attempts a WHERE a.instance_id = ti.instance_id AND a.attempt > $att0
                        AND a.state = 'failed' AND a.error_sqlstate LIKE '08%' AND a.error_message LIKE '%HTTP 503%') || '|' ||
                    (SELECT count(*) FROM realmap.project_amenity_stats s WHERE s.project_id = $P9)
               FROM realmap.task_instances ti WHERE ti.run_id = $R AND ti.task_name = 'amenities' AND ti.item = '$REG9'")
is "$state|$have|$(sim_count overpass 503)" "succeeded|succeeded|3|2|35|2" \
   "rerun of amenities with two 503s for project $P9: the run succeeds, its 3rd attempt succeeded after 2 failed ones recorded with HTTP 503, and its 35 rows are there"
[ "$state|$have" = "succeeded|succeeded|3|2|35" ] ||
  q -c "SELECT attempt, state, error_sqlstate, error_message FROM realmap.task_attempts
         WHERE run_id = $R AND task_name = 'amenities' AND item = '$REG9' ORDER BY attempt" | diag

# 17. A timeout raises too (08006: the remote side failed, retryable, as README says of
# timeouts) and leaves the earlier stats as they were.
forget_pois "$P9"
fp0=$(q -c "SELECT md5(string_agg(amenity_type || radius_km || ':' || xmin::text, ',' ORDER BY amenity_type, radius_km))
              FROM realmap.project_amenity_stats WHERE project_id = $P9")
t0=$(cfg http.timeout_ms)
setcfg http.timeout_ms 1000
sim POST /__sim/faults "{\"overpass\": {\"latency_ms\": 3000, \"match\": \"$XY9\"}}" >/dev/null
s0=$(date +%s.%N)
err=$(qerr -c "SELECT realmap.compute_amenities($P9)")
took=$(awk -v a="$(date +%s.%N)" -v b="$s0" 'BEGIN { printf "%.1f", a - b }')
setcfg http.timeout_ms "$t0"
sim DELETE /__sim/faults >/dev/null
fp1=$(q -c "SELECT md5(string_agg(amenity_type || radius_km || ':' || xmin::text, ',' ORDER BY amenity_type, radius_km))
              FROM realmap.project_amenity_stats WHERE project_id = $P9")
ok "$( [[ "$err" == 08006\|*"timed out"* ]] && [ "$fp0" = "$fp1" ] && [ -n "$fp0" ] && awk -v t="$took" 'BEGIN { exit !(t < 2.5) }'; echo $?)" \
   "http.timeout_ms 1000 and a 3 s Overpass answer: compute_amenities fails after ${took} s with a timeout (SQLSTATE ${err%%|*}) and the earlier stats stay unchanged"
echo "#   error: $err"

# 18. An error Overpass reports (its HTML error page) is named, and is a syntax error:
# 42601, a class the engine never retries; one request, no retry inside either.
sim POST /__sim/stats/reset >/dev/null
err=$(qerr -c "SELECT realmap._overpass_fetch('[out:json];foo;', realmap._amenity_categories(), realmap._config_of(NULL), 21.25, 81.63)")
ok "$( [[ "$err" == 42601\|*"parse error"* ]] && [ "$(sim_count overpass)" = 1 ] && [ "$(sim_count overpass 400)" = 1 ]; echo $?)" \
   "an unsupported Overpass query: the error names Overpass's message, SQLSTATE ${err%%|*} (not retryable), after a single request"
echo "#   error: $err"

# ====================================================================== secrets
# 19-21. An API key for a Nominatim behind a gateway (the simulator's require_header):
# set by an operator as a secret, named by geocode.secret, sent by the DAG's tasks; a
# wrong key fails the task with the gateway's 401; neither key appears in any realmap
# table but realmap.secrets (a data-only dump of the schema) nor in the server's log.
KEY="rm-e2e-key-$RANDOM$RANDOM"
BADKEY="rm-e2e-wrong-$RANDOM$RANDOM"
q >/dev/null <<SQL
CREATE ROLE e2e_ops LOGIN IN ROLE realmap_operator;
SET ROLE e2e_ops;
SELECT realmap.set_secret('nominatim.key', '$KEY', '127.0.0.1', 'X-Api-Key');
RESET ROLE;
CREATE FUNCTION public.geocode_again(ctx jsonb) RETURNS jsonb LANGUAGE sql AS
  \$\$ SELECT realmap.geocode_project((ctx #>> '{params,project}')::bigint, geocode_all => true) \$\$;
SELECT realmap.create_dag('geocode_with_key');
SELECT realmap.add_task('geocode_with_key', 'geocode', 'public.geocode_again(jsonb)', max_attempts => 1);
SQL
setcfg geocode.secret '"nominatim.key"'
sim POST /__sim/faults "{\"nominatim\": {\"require_header\": \"X-Api-Key: $KEY\"}}" >/dev/null
forget_candidates "$P1"
sim POST /__sim/stats/reset >/dev/null
RK=$(q -c "SELECT realmap.run('{\"project\": $P1}', dag => 'geocode_with_key')")
st=$(q -c "SELECT realmap.wait($RK, '60 s')")
ok "$( [ "$st" = succeeded ] && [ "$(sim_count nominatim 200)" -ge 1 ] && [ "$(sim_count nominatim 401)" = 0 ]; echo $?)" \
   "with the secret, the task geocodes through the gateway: run $st, $(sim_count nominatim 200) answered, $(sim_count nominatim 401) refused"
[ "$st" = succeeded ] || q -c "SELECT task_name, state, error_message FROM realmap.task_instances WHERE run_id = $RK" | diag

q -c "SET ROLE e2e_ops; SELECT realmap.set_secret('nominatim.key', '$BADKEY', '127.0.0.1', 'X-Api-Key')" >/dev/null
forget_candidates "$P1"
RB=$(q -c "SELECT realmap.run('{\"project\": $P1}', dag => 'geocode_with_key')")
st=$(q -c "SELECT realmap.wait($RB, '60 s')")
err=$(q -c "SELECT error_sqlstate || '|' || error_message FROM realmap.task_instances WHERE run_id = $RB")
ok "$( [ "$st" = failed ] && [[ "$err" == 22000\|*"HTTP 401 Unauthorized"* ]]; echo $?)" \
   "with a wrong key, the task fails with the gateway's answer (not retried): run $st, $err"

sim DELETE /__sim/faults >/dev/null
setcfg geocode.secret null
CLUSTER=$PGHOST   # (the cluster's directory; $C is reused above)
"$PGBIN/pg_dump" -d realmap_test --data-only -n realmap \
  -T realmap.secrets >"$WORK/realmap_data.sql" 2>"$WORK/pg_dump.err"
dumped=$(wc -c <"$WORK/realmap_data.sql")
leaks=$(grep -c -e "$KEY" -e "$BADKEY" "$WORK/realmap_data.sql" "$CLUSTER/server.log" | awk -F: '{ n += $NF } END { print n + 0 }')
ok "$( [ "$dumped" -gt 100000 ] && [ "$leaks" = 0 ] && grep -q "$BADKEY" <(q -c "SELECT value FROM realmap.secrets"); echo $?)" \
   "neither key is in any realmap table but realmap.secrets (data dump of ${dumped} bytes) nor in the server log: $leaks occurrences"
