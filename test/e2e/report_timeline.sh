#!/usr/bin/env bash
# The timeline picture of a run (realmap.run_timeline_svg), rendered by headless
# Chromium and checked pixel by pixel: every lane shows green bars exactly when its task
# has succeeded instances and red ones exactly when it has failed ones, the first bar of
# each lane where the run's timestamps put it.  A negative control: a broken SVG (one
# unescaped "&", which makes it no XML) must fail the same check.  The run's report page
# (realmap.run_report_html) is self-contained, lists the failures with their errors and
# shows the projects the run scored on its map, each point where its position puts it,
# in its score's colour.
set -uo pipefail
. "$REALMAP_ROOT/test/harness/e2e_lib.sh"
echo "1..8"
CHROMIUM=$(command -v chromium || command -v chromium-browser)
[ -n "$CHROMIUM" ] || { echo "Bail out! chromium is not installed"; exit 1; }
e2e_cluster timeline "realmap.max_workers = 2" || { echo "Bail out! cluster"; exit 1; }
q >/dev/null <<'SQL'
CREATE SCHEMA tl;
CREATE FUNCTION tl.src(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('items', (SELECT jsonb_agg('i' || n) FROM generate_series(1, 12) n)) $$;
CREATE FUNCTION tl.work(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(0.15);
    IF ctx->>'item' IN ('i3', 'i7') THEN
        RAISE EXCEPTION 'item % is broken', ctx->>'item' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN '{}';
END $$;
CREATE FUNCTION tl.done(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
SELECT realmap.create_dag('timeline');
SELECT realmap.add_task('timeline', 'list', 'tl.src(jsonb)');
SELECT realmap.add_task('timeline', 'work', 'tl.work(jsonb)', upstream => '{list}', mode => 'map', max_attempts => 1);
SELECT realmap.add_task('timeline', 'after', 'tl.done(jsonb)', upstream => '{work}', mode => 'each');
SELECT realmap.add_task('timeline', 'never', 'tl.done(jsonb)', upstream => '{work}');
SELECT realmap.add_task('timeline', 'final', 'tl.done(jsonb)', upstream => '{work}', trigger_rule => 'all_done');
SQL
R=$(q -c "SELECT realmap.run('{}', dag => 'timeline')")
is "$(q -c "SELECT realmap.wait($R, '60 s')")" failed "the run ends failed (two items fail)"
q -c "SELECT realmap.run_timeline_svg($R)" >"$WORK/timeline.svg"
python3 - "$WORK/timeline.svg" <<'PY'
import sys, xml.dom.minidom
xml.dom.minidom.parse(sys.argv[1])
PY
ok $? "the SVG is well-formed XML"

# what the run says: per lane (in the DAG's order) its band, colours and first bar
q -c "WITH r AS (SELECT started_at AS t0, extract(epoch FROM greatest(finished_at,
                   (SELECT max(finished_at) FROM realmap.task_instances WHERE run_id = $R)) - started_at) AS span
                   FROM realmap.runs WHERE run_id = $R),
          l AS (SELECT task_name, row_number() OVER (ORDER BY position) AS n FROM realmap.dag_tasks
                 WHERE dag_name = 'timeline')
      SELECT jsonb_build_object('x0', 170, 'x1', 1170, 'lanes', jsonb_agg(jsonb_build_object(
               'task', l.task_name, 'y0', 50 + (l.n - 1) * 30 + 6, 'y1', 50 + (l.n - 1) * 30 + 24,
               'green', EXISTS (SELECT 1 FROM realmap.task_instances i WHERE i.run_id = $R AND i.task_name = l.task_name AND i.state = 'succeeded'),
               'red', EXISTS (SELECT 1 FROM realmap.task_instances i WHERE i.run_id = $R AND i.task_name = l.task_name AND i.state = 'failed'),
               'x_first', (SELECT 170 + extract(epoch FROM min(i.started_at) - r.t0) / r.span * 1000
                             FROM realmap.task_instances i WHERE i.run_id = $R AND i.task_name = l.task_name))
             ORDER BY l.n))
        FROM l, r" >"$WORK/expect.json"
echo "# lanes: $(python3 -c 'import json,sys; print(", ".join("%s%s%s" % (l["task"], " green" if l["green"] else "", " red" if l["red"] else "") for l in json.load(open(sys.argv[1]))["lanes"]))' "$WORK/expect.json")"
H=$(sed -n 's/^<svg[^>]* height="\([0-9]*\)".*/\1/p' "$WORK/timeline.svg")
shot() {  # shot SVG PNG: the picture as Chromium draws it, at its own size
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size=1200,"$H" --screenshot="$2" "file://$1" >"$WORK/chromium.log" 2>&1
}
shot "$WORK/timeline.svg" "$WORK/timeline.png"
ok $? "headless Chromium renders it ($(stat -c %s "$WORK/timeline.png" 2>/dev/null) bytes)"
out=$(python3 "$REALMAP_ROOT/test/harness/png_lanes.py" "$WORK/timeline.png" "$WORK/expect.json"); rc=$?
sed 's/^/# /' <<<"$out"
ok $rc "every lane has green and red bars exactly where the run says, the first one at its start"
# the negative control: one unescaped & makes it no XML; Chromium shows an error instead
sed 's/<text x="10" y="22"/<text x="10" y="22" data-broken="&"/' "$WORK/timeline.svg" >"$WORK/broken.svg"
shot "$WORK/broken.svg" "$WORK/broken.png"
out=$(python3 "$REALMAP_ROOT/test/harness/png_lanes.py" "$WORK/broken.png" "$WORK/expect.json"); rc=$?
sed 's/^/# broken: /' <<<"$out" | tail -3
ok $((rc == 0)) "a broken SVG fails the same check"

# ---------------------------------------------------------------- the report page
# three projects this run scored, at known places with known scores
q >/dev/null <<SQL
INSERT INTO realmap.projects (state_code, rera_registration_number, project_name, district, latitude, longitude, v1, content_hash)
VALUES ('CG', 'TL-1', 'Raipur one', 'Raipur', 21.25, 81.63, '{}', 'x'),
       ('CG', 'TL-2', 'Bilaspur two', 'Bilaspur', 22.08, 82.15, '{}', 'y'),
       ('CG', 'TL-3', 'Bastar three', 'Bastar', 19.07, 82.03, '{}', 'z');
INSERT INTO realmap.project_scores (project_id, overall_score, score_status, score_version, run_id)
SELECT project_id, CASE rera_registration_number WHEN 'TL-1' THEN 80 WHEN 'TL-2' THEN 60 ELSE 30 END, 'ok', 'test', $R
  FROM realmap.projects WHERE rera_registration_number LIKE 'TL-%';
SQL
q -c "SELECT realmap.run_report_html($R)" >"$WORK/report.html"
python3 - "$WORK/report.html" <<'PY'
import html.parser, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
refs = [m for m in re.findall(r'(?:src|href)="([^"]*)"', page)]
assert not refs, "external references: %s" % refs
for err in ("item i3 is broken", "item i7 is broken"):
    assert err in page, "missing failure: " + err
html.parser.HTMLParser().feed(page)
PY
ok $? "the report page is self-contained (no src or href) and lists both failures with their errors"
"$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
  --window-size=1240,2200 --screenshot="$WORK/report.png" "file://$WORK/report.html" >"$WORK/chromium.log" 2>&1
ok $? "headless Chromium renders the report"
out=$(python3 - "$WORK/report.png" <<'PY'
import importlib.util, math, os, sys
spec = importlib.util.spec_from_file_location("png_lanes", os.path.join(os.environ["REALMAP_ROOT"], "test/harness/png_lanes.py"))
png = importlib.util.module_from_spec(spec); spec.loader.exec_module(png)
w, h, rows = png.read_png(sys.argv[1])
frame = [(x, y) for y in range(h) for x in range(w) if rows[y][x] == (0x12, 0x34, 0x56)]
if not frame:
    print("no map frame (#123456) in the screenshot"); sys.exit(1)
fx, fy = min(frame)[0], min(p[1] for p in frame)
mh = round(500 * (24.076559 - 17.790535) / ((84.368570 - 80.456686) * math.cos(math.radians(21))))
want = {"Raipur one": (21.25, 81.63, "green"), "Bilaspur two": (22.08, 82.15, "amber"), "Bastar three": (19.07, 82.03, "red")}
colour = {"green": lambda p: p[1] > 100 and p[1] - p[0] > 50 and p[1] - p[2] > 40,
          "amber": lambda p: p[0] > 200 and p[1] > 140 and p[2] < 90,
          "red": lambda p: p[0] > 170 and p[0] - p[1] > 90 and p[0] - p[2] > 90}
bad = []
for name, (lat, lon, c) in want.items():
    x = fx + 1 + (lon - 80.456686) / (84.368570 - 80.456686) * 500
    y = fy + 1 + (24.076559 - lat) / (24.076559 - 17.790535) * mh
    hit = any(colour[c](rows[int(round(y)) + dy][int(round(x)) + dx]) for dx in (-1, 0, 1) for dy in (-1, 0, 1))
    if not hit:
        bad.append("%s: no %s point at (%.0f, %.0f), pixel %s" % (name, c, x, y, rows[int(round(y))][int(round(x))]))
print("map frame at (%d, %d); %s" % (fx, fy, "; ".join(bad) or "all three points in place"))
sys.exit(1 if bad else 0)
PY
); rc=$?
echo "# $out"
ok $rc "on the map each scored project is a point where its position puts it, in its score's colour"
