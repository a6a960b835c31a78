-- =====================================================================================
-- Pictures of a run: realmap.run_timeline_svg(run_id) draws one lane per task of the
-- run's DAG and each attempted instance as a bar from its claim to its end, coloured by
-- how it ended, failures also marked by a tick at their end.  Plain SVG 1.1 with its
-- size in pixels, no script, no external reference: a browser, an image viewer or a
-- report page shows it as it is.
-- =====================================================================================

-- Text for XML content and attribute values.
CREATE FUNCTION realmap._xml(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT replace(replace(replace(replace(replace(coalesce(t, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
                           '"', '&quot;'), '''', '&#39;')
$$;

-- The colours, one per way an instance ended (README: Observability).
CREATE FUNCTION realmap._state_colour(state text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE state WHEN 'succeeded' THEN '#2e7d32' WHEN 'failed' THEN '#d32f2f' WHEN 'running' THEN '#1565c0'
                      WHEN 'waiting' THEN '#f9a825' WHEN 'skipped' THEN '#9e9e9e' WHEN 'cancelled' THEN '#6d4c41'
                      ELSE '#7b1fa2' END
$$;

CREATE FUNCTION realmap.run_timeline_svg(run_id bigint) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r realmap.runs;
    -- the layout, in pixels
    width constant int := 1200;
    label_w constant int := 170;
    chart_w constant int := 1000;
    lane_h constant int := 30;
    top constant int := 50;
    n_lanes int;
    height int;
    t0 timestamptz;
    t1 timestamptz;
    span float8;
    step float8;
    svg text;
BEGIN
    SELECT * INTO r FROM realmap.runs x WHERE x.run_id = run_timeline_svg.run_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % does not exist', run_timeline_svg.run_id USING ERRCODE = 'undefined_object';
    END IF;
    SELECT count(*) INTO n_lanes FROM realmap.dag_tasks t WHERE t.dag_name = r.dag_name;
    height := top + greatest(n_lanes, 1) * lane_h + 50;
    t0 := coalesce(r.started_at, r.created_at);
    t1 := greatest(coalesce(r.finished_at, clock_timestamp()),
                   (SELECT max(coalesce(i.finished_at, clock_timestamp())) FROM realmap.task_instances i
                     WHERE i.run_id = r.run_id AND i.started_at IS NOT NULL),
                   t0 + interval '1 millisecond');
    span := extract(epoch FROM t1 - t0);
    -- axis ticks: 1, 2 or 5 times a power of ten seconds, about ten of them
    step := power(10, floor(log(span / 10)));
    step := CASE WHEN span / step > 50 THEN step * 5 WHEN span / step > 20 THEN step * 2 ELSE step END;
    svg := format('<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" '
                  'font-family="DejaVu Sans, sans-serif" font-size="12">', width, height, width, height)
        || format('<rect x="0" y="0" width="%s" height="%s" fill="#ffffff"/>', width, height)
        || format('<text x="10" y="22" font-size="15">run %s · %s · %s · %s s</text>', r.run_id, realmap._xml(r.dag_name),
                  r.state, round(span::numeric, 1));
    -- lanes with their labels, in the DAG's order
    SELECT svg || coalesce(string_agg(
               format('<rect class="lane" x="0" y="%s" width="%s" height="%s" fill="%s"/>'
                      '<text x="8" y="%s">%s</text>',
                      top + (l.n - 1) * lane_h, width, lane_h, CASE WHEN l.n % 2 = 0 THEN '#f4f4f4' ELSE '#ffffff' END,
                      top + (l.n - 1) * lane_h + 19, realmap._xml(l.task_name)), '' ORDER BY l.n), '')
      INTO svg
      FROM (SELECT t.task_name, row_number() OVER (ORDER BY t.position) AS n
              FROM realmap.dag_tasks t WHERE t.dag_name = r.dag_name) l;
    -- time axis
    SELECT svg || string_agg(format('<line x1="%1$s" y1="%2$s" x2="%1$s" y2="%3$s" stroke="#dddddd"/>'
                                    '<text x="%1$s" y="%4$s" text-anchor="middle" fill="#555555">%5$s s</text>',
                                    round((label_w + k * step / span * chart_w)::numeric, 1), top,
                                    top + n_lanes * lane_h, top + n_lanes * lane_h + 16,
                                    trim_scale(round((k * step)::numeric, 3))), '' ORDER BY k)
      INTO svg FROM generate_series(0, floor(span / step)::int) k;
    -- the attempted instances: a bar from claim to end (or to now), failures also ticked.
    -- A bar is at least 2 px wide, so that one pixel is all its colour wherever it
    -- falls, and ends inside the chart (a short last task would stick out of it).
    SELECT svg || coalesce(string_agg(
               format('<rect class="bar %s" x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="0.85"/>',
                      b.state, round(least(b.x, label_w + chart_w - greatest(b.w, 2))::numeric, 2),
                      top + (b.n - 1) * lane_h + 6, round(greatest(b.w, 2)::numeric, 2),
                      lane_h - 12, realmap._state_colour(b.state))
               || CASE WHEN b.state = 'failed' THEN
                      format('<rect class="failure" x="%s" y="%s" width="2" height="%s" fill="#d32f2f"/>',
                             round((least(b.x, label_w + chart_w - greatest(b.w, 2)) + greatest(b.w, 2) - 2)::numeric, 2),
                             top + (b.n - 1) * lane_h + 1, lane_h - 2)
                  ELSE '' END, '' ORDER BY b.n, b.x), '')
      INTO svg
      FROM (SELECT l.n, i.state,
                   label_w + extract(epoch FROM i.started_at - t0) / span * chart_w AS x,
                   extract(epoch FROM coalesce(i.finished_at, clock_timestamp()) - i.started_at) / span * chart_w AS w
              FROM realmap.task_instances i
              JOIN (SELECT t.task_name, row_number() OVER (ORDER BY t.position) AS n
                      FROM realmap.dag_tasks t WHERE t.dag_name = r.dag_name) l ON l.task_name = i.task_name
             WHERE i.run_id = r.run_id AND i.started_at IS NOT NULL) b;
    -- legend
    SELECT svg || string_agg(format('<rect x="%s" y="%s" width="12" height="12" fill="%s"/><text x="%s" y="%s">%s</text>',
                                    label_w + (g.n - 1) * 120, top + n_lanes * lane_h + 26, realmap._state_colour(g.s),
                                    label_w + (g.n - 1) * 120 + 16, top + n_lanes * lane_h + 37, g.s), '' ORDER BY g.n)
      INTO svg FROM unnest(ARRAY['succeeded', 'failed', 'running', 'waiting', 'skipped', 'cancelled']) WITH ORDINALITY g(s, n);
    RETURN svg || '</svg>';
END $$;
COMMENT ON FUNCTION realmap.run_timeline_svg(bigint) IS
'A picture of a run (SVG, 1200 px wide): one lane per task in the DAG''s order, each attempted instance a bar from its claim to its end coloured by its state (succeeded green, failed red with a tick at its end, running blue, waiting amber, skipped grey, cancelled brown), a time axis in seconds';

-- ------------------------------------------------------------------ the run's report page
-- The projects a run scored as points over Chhattisgarh (equirectangular over the
-- portal's box, north up), coloured by overall score, with each district's name at the
-- median of its projects' positions.  The frame is #123456, one pixel wide, so that a
-- test (or a reader) can find the map's corners in a screenshot.
CREATE FUNCTION realmap._run_map_svg(p_run bigint) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH c AS (SELECT realmap.chhattisgarh_box() AS b),
    box AS (SELECT (b->>'min_lat')::float8 AS lat0, (b->>'max_lat')::float8 AS lat1, (b->>'min_lon')::float8 AS lon0,
                   (b->>'max_lon')::float8 AS lon1, 500::float8 AS w,
                   -- a degree of longitude is cos(21°) of a degree of latitude here
                   round(500 * ((b->>'max_lat')::float8 - (b->>'min_lat')::float8)
                         / (((b->>'max_lon')::float8 - (b->>'min_lon')::float8) * cos(radians(21))))::float8 AS h
              FROM c),
    pts AS (SELECT p.project_id, p.district, p.latitude, p.longitude, s.overall_score,
                   (p.longitude - b.lon0) / (b.lon1 - b.lon0) * b.w AS x, (b.lat1 - p.latitude) / (b.lat1 - b.lat0) * b.h AS y
              FROM realmap.project_scores s JOIN realmap.projects p USING (project_id), box b
             WHERE s.run_id = p_run AND p.latitude BETWEEN b.lat0 AND b.lat1 AND p.longitude BETWEEN b.lon0 AND b.lon1)
    SELECT format('<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-size="11" '
                  'font-family="DejaVu Sans, sans-serif">', b.w + 2, b.h + 2, b.w + 2, b.h + 2)
        || format('<rect x="0.5" y="0.5" width="%s" height="%s" fill="#fbfbf8" stroke="#123456" stroke-width="1"/>', b.w + 1, b.h + 1)
        || coalesce((SELECT string_agg(format('<text x="%s" y="%s" text-anchor="middle" fill="#9e9e9e">%s</text>',
                                              round(d.x::numeric, 1), round(d.y::numeric, 1), realmap._xml(d.district)), '')
                       FROM (SELECT district, percentile_cont(0.5) WITHIN GROUP (ORDER BY x) + 1 AS x,
                                    percentile_cont(0.5) WITHIN GROUP (ORDER BY y) - 6 AS y
                               FROM pts WHERE district IS NOT NULL GROUP BY district) d), '')
        || coalesce((SELECT string_agg(format('<circle cx="%s" cy="%s" r="3" fill="%s"><title>%s</title></circle>',
                                              round((x + 1)::numeric, 1), round((y + 1)::numeric, 1),
                                              CASE WHEN overall_score >= 70 THEN '#2e7d32' WHEN overall_score >= 50 THEN '#f9a825'
                                                   WHEN overall_score IS NOT NULL THEN '#d32f2f' ELSE '#9e9e9e' END,
                                              project_id || ': ' || coalesce(overall_score::text, 'no score')), ''
                                    ORDER BY project_id) FROM pts), '')
        || '</svg>'
      FROM box b
$$;

CREATE FUNCTION realmap.run_report_html(run_id bigint) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s jsonb := realmap.run_summary(run_report_html.run_id);
    html text;
BEGIN
    html := '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
         || format('<title>realmap run %s</title>', s->>'run_id')
         || '<style>body{font-family:"DejaVu Sans",sans-serif;margin:16px;color:#222}'
            'table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}'
            'h1{font-size:20px}h2{font-size:16px;margin-top:24px}.err{color:#b71c1c}</style></head><body>'
         || format('<h1>realmap run %s · %s · %s</h1>', s->>'run_id', realmap._xml(s->>'dag'), realmap._xml(s->>'state'))
         || format('<p>started %s, %s s; %s failed items; %s projects scored</p>', realmap._xml(s->>'started_at'),
                   coalesce(s->>'duration_s', '?'), s->>'error_count', coalesce(s->>'scored', '0'))
         || '<h2>Tasks</h2><table><tr><th>task</th><th>instances by state</th></tr>'
         || coalesce((SELECT string_agg(format('<tr><td>%s</td><td>%s</td></tr>', realmap._xml(t.key),
                                               realmap._xml((SELECT string_agg(x.key || ' ' || x.value, ', ' ORDER BY x.key)
                                                               FROM jsonb_each_text(t.value) x))), '' ORDER BY t.key)
                        FROM jsonb_each(s->'tasks') t), '')
         || '</table><h2>Timeline</h2>' || realmap.run_timeline_svg(run_report_html.run_id)
         || '<h2>Failures</h2>'
         || coalesce((SELECT '<table><tr><th>task</th><th>item</th><th>SQLSTATE</th><th>error</th></tr>'
                             || string_agg(format('<tr><td>%s</td><td>%s</td><td>%s</td><td class="err">%s</td></tr>',
                                                  realmap._xml(i.task_name), realmap._xml(i.item), realmap._xml(i.error_sqlstate),
                                                  realmap._xml(left(i.error_message, 300))), '' ORDER BY i.task_name, i.item)
                             || '</table>'
                        FROM (SELECT * FROM realmap.task_instances x
                               WHERE x.run_id = run_report_html.run_id AND x.state = 'failed'
                               ORDER BY x.task_name, x.item LIMIT 500) i), '<p>none</p>')
         || '<h2>Map</h2><p>the projects this run scored: green overall &#8805; 70, amber &#8805; 50, red below, '
            'grey without a score; names at the median of each district''s projects</p>'
         || realmap._run_map_svg(run_report_html.run_id)
         || '</body></html>';
    RETURN html;
END $$;
COMMENT ON FUNCTION realmap.run_report_html(bigint) IS
'One self-contained HTML page (no script, no network) for a run: its summary, tasks, timeline, failures with their errors, and a map of the projects it scored over Chhattisgarh';
