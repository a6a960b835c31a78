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
    -- the attempted instances: a bar from claim to end (or to now), failures also ticked
    SELECT svg || coalesce(string_agg(
               format('<rect class="bar %s" x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="0.85"/>',
                      b.state, round(b.x::numeric, 2), top + (b.n - 1) * lane_h + 6, round(greatest(b.w, 1.5)::numeric, 2),
                      lane_h - 12, realmap._state_colour(b.state))
               || CASE WHEN b.state = 'failed' THEN
                      format('<rect class="failure" x="%s" y="%s" width="2" height="%s" fill="#d32f2f"/>',
                             round((b.x + greatest(b.w, 1.5) - 1)::numeric, 2), top + (b.n - 1) * lane_h + 1, lane_h - 2)
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
