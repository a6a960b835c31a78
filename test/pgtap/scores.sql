-- Scores: realmap.score_from_stats reproduces the original's scoring (original-pipeline.md
-- §3.10) to the last rounding: the worked example, every count-bucket edge, Python's
-- round (ties to even, on the binary value) where std::round would differ, the social
-- cap, the bank rule (nearest over all bank slices, order-free, 70 band reachable), the
-- slice chosen for a target radius, the on-site amenity score and the statuses, and the
-- errors that name the slice and the field.  realmap.value_score/value_bucket: the
-- formula, its fallbacks and bucket edges.  realmap.compute_score and
-- compute_value_scores on rows: project_scores as score_from_stats says, the lowest
-- active price, the run's median, and a rescore that drops the stale value score.
-- Every expected number was evaluated with the original's Python expressions.
-- One transaction, rolled back.
\ir tap_settings.psql
BEGIN;
SELECT plan(67);
SET LOCAL client_min_messages = warning;

CREATE SCHEMA scores_t;

-- The slices of one project, one per scored input, from 11 counts in the order
--   grocery_convenience@1, supermarket@3, pharmacy@1,
--   school@3, college_university@5, hospital@5, park_playground@3, restaurant_cafe@3, mall@5,
--   transit_stop@3, transit_stop@10
-- and a bank_atm@0.5 slice whose nearest is bank_km (NULL: none found within 0.5 km).
CREATE FUNCTION scores_t.s(c int[], bank_km numeric DEFAULT NULL) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_agg(jsonb_build_object('amenity_type', t.type, 'radius_km', t.r, 'nearby_count', c[t.i]) ORDER BY t.i)
           || jsonb_build_array(jsonb_build_object('amenity_type', 'bank_atm', 'radius_km', 0.5,
                                                   'nearby_count', CASE WHEN bank_km IS NULL THEN 0 ELSE 1 END,
                                                   'nearby_nearest_km', bank_km))
      FROM (VALUES (1, 'grocery_convenience', 1), (2, 'supermarket', 3), (3, 'pharmacy', 1),
                   (4, 'school', 3), (5, 'college_university', 5), (6, 'hospital', 5),
                   (7, 'park_playground', 3), (8, 'restaurant_cafe', 3), (9, 'mall', 5),
                   (10, 'transit_stop', 3), (11, 'transit_stop', 10)) AS t(i, type, r)
$$;
-- "daily/social/connectivity -> location" of a score
CREATE FUNCTION scores_t.dims(s jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT format('%s/%s/%s -> %s', s->>'daily_needs_score', s->>'social_infra_score', s->>'connectivity_score',
                  (s->>'location_score')::float8)
$$;
-- the slice the score read for (type, target): "radius km: count -> bucket score"
CREATE FUNCTION scores_t.chosen(s jsonb, type text, target numeric) RETURNS text LANGUAGE sql AS $$
    SELECT format('%s km: %s -> %s', (i->>'radius_km')::float8, i->>'nearby_count', i->>'score')
      FROM jsonb_array_elements(s->'breakdown'->'inputs') i
     WHERE i->>'amenity_type' = type AND (i->>'target_radius_km')::numeric = target
$$;

-- The worked example of original-pipeline.md §3.10, as the original's input (an array).
CREATE TABLE scores_t.inputs (name text PRIMARY KEY, stats jsonb NOT NULL);
INSERT INTO scores_t.inputs VALUES ('worked', $j$[
  {"amenity_type": "grocery_convenience", "radius_km": 1,   "nearby_count": 3,  "nearby_nearest_km": 0.4},
  {"amenity_type": "supermarket",         "radius_km": 3,   "nearby_count": 1,  "nearby_nearest_km": 2.1},
  {"amenity_type": "pharmacy",            "radius_km": 1,   "nearby_count": 0,  "nearby_nearest_km": null},
  {"amenity_type": "school",              "radius_km": 3,   "nearby_count": 4,  "nearby_nearest_km": 0.9},
  {"amenity_type": "college_university",  "radius_km": 5,   "nearby_count": 0,  "nearby_nearest_km": null},
  {"amenity_type": "hospital",            "radius_km": 5,   "nearby_count": 2,  "nearby_nearest_km": 3.2},
  {"amenity_type": "park_playground",     "radius_km": 3,   "nearby_count": 7,  "nearby_nearest_km": 0.2},
  {"amenity_type": "restaurant_cafe",     "radius_km": 3,   "nearby_count": 12, "nearby_nearest_km": 0.1},
  {"amenity_type": "mall",                "radius_km": 5,   "nearby_count": 0,  "nearby_nearest_km": null},
  {"amenity_type": "transit_stop",        "radius_km": 3,   "nearby_count": 3,  "nearby_nearest_km": 0.7},
  {"amenity_type": "transit_stop",        "radius_km": 10,  "nearby_count": 10, "nearby_nearest_km": 0.7},
  {"amenity_type": "bank_atm",            "radius_km": 0.5, "nearby_count": 1,  "nearby_nearest_km": 0.3}]$j$);
CREATE TABLE scores_t.w AS SELECT realmap.score_from_stats(stats) AS s FROM scores_t.inputs WHERE name = 'worked';

-- ================================================================ 1. the worked example
-- daily = round(mean(80, 60, 20)) = round(53.33) = 53
SELECT is((SELECT (s->>'daily_needs_score')::int FROM scores_t.w), 53, 'worked example: daily_needs 53');
-- social = round(mean(80, 20, 60, 100, 100, 20)) = round(63.33) = 63
SELECT is((SELECT (s->>'social_infra_score')::int FROM scores_t.w), 63, 'worked example: social_infra 63');
-- connectivity = 0.7 * mean(80, 100) + 0.3 * 90 (bank 0.3 km) = 63 + 27 = 90
SELECT is((SELECT (s->>'connectivity_score')::int FROM scores_t.w), 90, 'worked example: connectivity 90');
-- location = round(0.4*53 + 0.35*63 + 0.25*90) = round(65.75) = 66; overall = location
SELECT is((SELECT array[(s->>'location_score')::numeric, (s->>'overall_score')::numeric] FROM scores_t.w),
          array[66, 66]::numeric[], 'worked example: location 66, overall 66');
SELECT is((SELECT jsonb_build_object('status', s->'score_status', 'reason', s->'score_status_reason',
                                     'amenity', s->'amenity_score', 'version', s->'score_version',
                                     'missing', s->'missing_inputs') FROM scores_t.w),
          '{"status": "partial", "reason": ["missing_onsite_data"], "amenity": null, "version": "amenity_v2",
            "missing": []}'::jsonb,
          'worked example: partial for want of on-site data, nothing missing, amenity_v2');
SELECT is((SELECT s->'breakdown'->'bank' FROM scores_t.w), '{"nearest_km": 0.3, "score": 90}'::jsonb,
          'worked example: the bank 0.3 km away scores 90');
SELECT is((SELECT realmap.score_from_stats(jsonb_build_object('slices', stats || '[{"amenity_type": "clinic", "radius_km": 1, "nearby_count": 9}]',
                                                              'onsite_amenities', null))
             FROM scores_t.inputs WHERE name = 'worked'),
          (SELECT s FROM scores_t.w),
          'the object form with onsite_amenities null scores as the array; a clinic slice is not scored');

-- ================================================================ 2. every bucket edge
-- daily_needs_buckets on pharmacy@1, grocery and supermarket at 0 (20 each):
--   round((20 + 20 + b) / 3): b=20 -> 20; b=60 -> 33.33 -> 33; b=80 -> 40; b=100 -> 46.67 -> 47
SELECT results_eq(
    $$SELECT c, (realmap.score_from_stats(scores_t.s(ARRAY[0,0,c, 0,0,0,0,0,0, 0,0]))->>'daily_needs_score')::int
        FROM unnest(ARRAY[0, 1, 2, 3, 4, 5, 6, 1000]) c ORDER BY c$$,
    $$VALUES (0, 20), (1, 33), (2, 33), (3, 40), (4, 40), (5, 47), (6, 47), (1000, 47)$$,
    'daily_needs buckets: 0 -> 20, 1-2 -> 60, 3-4 -> 80, >= 5 -> 100');
-- social_infra_buckets on mall@5, school 1 (60, so no cap), the other four 0 (20 each):
--   round((60 + 4*20 + b) / 6): b=20 -> 26.67 -> 27; 60 -> 33.33 -> 33; 80 -> 36.67 -> 37; 100 -> 40
SELECT results_eq(
    $$SELECT c, (realmap.score_from_stats(scores_t.s(ARRAY[0,0,0, 1,0,0,0,0,c, 0,0]))->>'social_infra_score')::int
        FROM unnest(ARRAY[0, 1, 2, 3, 5, 6, 7]) c ORDER BY c$$,
    $$VALUES (0, 27), (1, 33), (2, 33), (3, 37), (5, 37), (6, 40), (7, 40)$$,
    'social_infra buckets: 0 -> 20, 1-2 -> 60, 3-5 -> 80, >= 6 -> 100');
-- transit@3 by social_infra_buckets, transit@10 at 0 (20), no bank (30):
--   round(0.7 * (b + 20) / 2 + 0.3 * 30): b=20 -> 14+9 = 23; 60 -> 28+9 = 37; 80 -> 35+9 = 44; 100 -> 42+9 = 51
SELECT results_eq(
    $$SELECT c, (realmap.score_from_stats(scores_t.s(ARRAY[0,0,0, 0,0,0,0,0,0, c,0]))->>'connectivity_score')::int
        FROM unnest(ARRAY[0, 1, 2, 3, 5, 6, 7]) c ORDER BY c$$,
    $$VALUES (0, 23), (1, 37), (2, 37), (3, 44), (5, 44), (6, 51), (7, 51)$$,
    'transit_stop@3 by the social buckets: 0 -> 20, 1-2 -> 60, 3-5 -> 80, >= 6 -> 100');
-- transit@10 by transit_10km_buckets, transit@3 at 0 (20), no bank (30): the same sums
SELECT results_eq(
    $$SELECT c, (realmap.score_from_stats(scores_t.s(ARRAY[0,0,0, 0,0,0,0,0,0, 0,c]))->>'connectivity_score')::int
        FROM unnest(ARRAY[0, 1, 3, 4, 8, 9, 50]) c ORDER BY c$$,
    $$VALUES (0, 23), (1, 37), (3, 37), (4, 44), (8, 44), (9, 51), (50, 51)$$,
    'transit_stop@10 buckets: 0 -> 20, 1-3 -> 60, 4-8 -> 80, >= 9 -> 100');
-- a null count is 0 (the original); jsonb's 5.0 is the whole count 5:
--   round((20 + 20 + 20) / 3) = 20 and round((100 + 100 + 100) / 3) = 100
SELECT is(array[(realmap.score_from_stats('[{"amenity_type": "grocery_convenience", "radius_km": 1, "nearby_count": null},
                                             {"amenity_type": "supermarket", "radius_km": 3},
                                             {"amenity_type": "pharmacy", "radius_km": 1, "nearby_count": 0}]')->>'daily_needs_score')::int,
                (realmap.score_from_stats('[{"amenity_type": "grocery_convenience", "radius_km": 1, "nearby_count": 5.0},
                                             {"amenity_type": "supermarket", "radius_km": 3, "nearby_count": 5.00},
                                             {"amenity_type": "pharmacy", "radius_km": 1, "nearby_count": 5}]')->>'daily_needs_score')::int],
          array[20, 100], 'a null or absent count counts 0; 5.0 counts 5');

-- ================================================================ 3. Python's rounding
-- The bucket scores are multiples of 20, so a daily mean (sum/3) or a social mean (sum/6)
-- is k, k+1/3 or k+2/3: never a tie (mean(20, 60, 100) = 60); connectivity is an integer
-- up to binary noise.  Ties come from location (0.35*s and 0.25*c) and overall (0.5*a).
-- Over every reachable (daily, social, connectivity) a location tie lands exactly on .5
-- in binary, so Python's round(x) and std::round differ on those with an even floor.
-- connectivity 62 = 0.7 * mean(20, 80) + 0.3 * 90 = 35 + 27 (transit@10 = 4, bank 0.3 km);
-- location = 0.4*20 + 0.35*20 + 0.25*62 = 8 + 7 + 15.5 = 30.5 exactly in binary:
-- Python's round(30.5) = 30 (ties to even), std::round would give 31
SELECT is(scores_t.dims(realmap.score_from_stats(scores_t.s(ARRAY[0,0,0, 0,0,0,0,0,0, 0,4], 0.3))), '20/20/62 -> 30',
          'location 30.5 rounds to the even 30 (std::round: 31)');
-- connectivity 58 = 0.7 * mean(60, 80) + 0.3 * 30 = 49 + 9; location = 8 + 7 + 14.5 = 29.5 -> 30 (even)
SELECT is(scores_t.dims(realmap.score_from_stats(scores_t.s(ARRAY[0,0,0, 0,0,0,0,0,0, 1,4]))), '20/20/58 -> 30',
          'location 29.5 rounds to the even 30');
-- social 90 = mean(100, 100, 100, 80, 80, 80); connectivity 44 = 0.7 * mean(20, 80) + 9;
-- 0.35*90 is 31.499999999999996 in binary, 0.4*20 + that = 39.5, + 0.25*44 = 50.5 -> 50
SELECT is(scores_t.dims(realmap.score_from_stats(scores_t.s(ARRAY[0,0,0, 6,6,6,3,3,3, 0,4]))), '20/90/44 -> 50',
          'location with 0.35*90 (31.499999999999996): 50.5 -> 50 as Python');
-- overall = 0.5*27 + 0.5*66 = 46.5 -> 46 (std::round: 47); 27 = roads 8 + water 8 + club 6 + pool 5
SELECT is((SELECT (realmap.score_from_stats(jsonb_build_object('slices', stats, 'onsite_amenities',
               '["INTERNAL ROADS AND FOOTPATHS", "WATER SUPPLY", "CLUB HOUSE", "SWIMMING POOL"]'::jsonb))->>'overall_score')::numeric
             FROM scores_t.inputs WHERE name = 'worked'),
          46::numeric, 'overall 46.5 rounds to the even 46 (std::round: 47)');

-- ================================================================ 4. the social cap
-- school 0, hospital 0, the other four 6 (100): mean(20, 100, 20, 100, 100, 100) = 73.33, capped at 70
SELECT is((realmap.score_from_stats(scores_t.s(ARRAY[0,0,0, 0,6,0,6,6,6, 0,0]))->>'social_infra_score')::int, 70,
          'no school and no hospital cap the social mean at 70 (73.33 -> 70)');
-- one school: mean(60, 100, 20, 100, 100, 100) = 80, no cap; one hospital likewise
SELECT is(array[(realmap.score_from_stats(scores_t.s(ARRAY[0,0,0, 1,6,0,6,6,6, 0,0]))->>'social_infra_score')::int,
                (realmap.score_from_stats(scores_t.s(ARRAY[0,0,0, 0,6,1,6,6,6, 0,0]))->>'social_infra_score')::int],
          array[80, 80], 'a school or a hospital lifts the cap (80)');
-- the cap is a ceiling, not a value: mean(20 x 6) = 20 stays 20
SELECT is((realmap.score_from_stats(scores_t.s(ARRAY[0,0,0, 0,0,0,0,0,0, 0,0]))->>'social_infra_score')::int, 20,
          'the cap never raises a low mean');
-- the cap reads the counts of the chosen slices: school@3 is 0 though school@5 has 9
SELECT is((realmap.score_from_stats(scores_t.s(ARRAY[0,0,0, 0,6,0,6,6,6, 0,0])
           || '[{"amenity_type": "school", "radius_km": 5, "nearby_count": 9}]')->>'social_infra_score')::int, 70,
          'the cap looks at school@3, not at a wider school slice');

-- ================================================================ 5. the bank rule
-- transit 0 and 0 (mean 20): connectivity = 0.7*20 + 0.3*bank = 14 + 27 | 21 | 9 = 41 | 35 | 23
INSERT INTO scores_t.inputs VALUES ('banks', scores_t.s(ARRAY[0,0,0, 0,0,0,0,0,0, 0,0]) - 11
    || '[{"amenity_type": "bank_atm", "radius_km": 2, "nearby_count": 3, "nearby_nearest_km": 1.5},
         {"amenity_type": "bank_atm", "radius_km": 1, "nearby_count": 1, "nearby_nearest_km": 0.9},
         {"amenity_type": "bank_atm", "radius_km": 0.5, "nearby_count": 0, "nearby_nearest_km": null}]');
SELECT is((SELECT jsonb_build_object('bank', s->'breakdown'->'bank', 'connectivity', s->'connectivity_score')
             FROM scores_t.inputs, realmap.score_from_stats(stats) s WHERE name = 'banks'),
          '{"bank": {"nearest_km": 0.9, "score": 90}, "connectivity": 41}'::jsonb,
          'the bank is the nearest over all bank slices (0.9 km: 90), not the first one (1.5 km)');
SELECT is((SELECT realmap.score_from_stats((SELECT jsonb_agg(e ORDER BY o DESC) FROM jsonb_array_elements(stats) WITH ORDINALITY x(e, o)))
             FROM scores_t.inputs WHERE name = 'banks'),
          (SELECT realmap.score_from_stats(stats) FROM scores_t.inputs WHERE name = 'banks'),
          'the same slices in reverse order score the same');
SELECT is((SELECT jsonb_build_object('bank', s->'breakdown'->'bank', 'connectivity', s->'connectivity_score')
             FROM scores_t.inputs, realmap.score_from_stats(stats - 12) s WHERE name = 'banks'),
          '{"bank": {"nearest_km": 1.5, "score": 70}, "connectivity": 35}'::jsonb,
          'the 70 band is reachable: none within 0.5 km, the nearest 1.5 km away');
SELECT results_eq(
    $$SELECT k, (realmap.score_from_stats(scores_t.s(ARRAY[0,0,0, 0,0,0,0,0,0, 0,0], k))->'breakdown'->'bank'->>'score')::int
        FROM unnest(ARRAY[0, 1.0, 1.001, 2.0, 2.001, NULL]::numeric[]) WITH ORDINALITY u(k, o) ORDER BY o$$,
    $$VALUES (0::numeric, 90), (1.0, 90), (1.001, 70), (2.0, 70), (2.001, 30), (NULL, 30)$$,
    'bank bands: <= 1 km 90, <= 2 km 70, farther or none 30');
SELECT is((SELECT jsonb_build_object('bank', s->'breakdown'->'bank', 'connectivity', s->'connectivity_score',
                                     'bank_missing', s->'missing_inputs' ? 'bank_atm')
             FROM realmap.score_from_stats(scores_t.s(ARRAY[0,0,0, 0,0,0,0,0,0, 0,0]) - 11) s),
          '{"bank": {"nearest_km": null, "score": 30}, "connectivity": 23, "bank_missing": true}'::jsonb,
          'no bank slice at all: 30, and bank_atm is a missing input');

-- ================================================================ 6. the slice for a target radius
-- grocery@1: slices 2, 0.5 and 1 km (in that order) -> the largest <= 1 is 1 km: 3 -> 80
SELECT is(scores_t.chosen(realmap.score_from_stats(
              '[{"amenity_type": "grocery_convenience", "radius_km": 2, "nearby_count": 6},
                {"amenity_type": "grocery_convenience", "radius_km": 0.5, "nearby_count": 1},
                {"amenity_type": "grocery_convenience", "radius_km": 1, "nearby_count": 3}]'), 'grocery_convenience', 1),
          '1 km: 3 -> 80', 'target 1 km: the 1 km slice, whatever the order');
-- no 1 km slice: 0.5 km (1 -> 60) is the largest <= 1, not the nearer-in-size 2 km
SELECT is(scores_t.chosen(realmap.score_from_stats(
              '[{"amenity_type": "grocery_convenience", "radius_km": 2, "nearby_count": 6},
                {"amenity_type": "grocery_convenience", "radius_km": 0.5, "nearby_count": 1}]'), 'grocery_convenience', 1),
          '0.5 km: 1 -> 60', 'target 1 km: the largest radius below it');
-- none <= 1: the smallest, 2 km (6 -> 100), not the 5 km one
SELECT is(scores_t.chosen(realmap.score_from_stats(
              '[{"amenity_type": "grocery_convenience", "radius_km": 5, "nearby_count": 0},
                {"amenity_type": "grocery_convenience", "radius_km": 2, "nearby_count": 6}]'), 'grocery_convenience', 1),
          '2 km: 6 -> 100', 'target 1 km, every slice wider: the smallest radius');
-- transit: slices 10, 1, 5, 3 km -> @3 reads 3 km (4 -> 80), @10 reads 10 km (12 -> 100)
SELECT is((SELECT array[scores_t.chosen(s, 'transit_stop', 3), scores_t.chosen(s, 'transit_stop', 10)]
             FROM realmap.score_from_stats(
              '[{"amenity_type": "transit_stop", "radius_km": 10, "nearby_count": 12},
                {"amenity_type": "transit_stop", "radius_km": 1, "nearby_count": 2},
                {"amenity_type": "transit_stop", "radius_km": 5, "nearby_count": 7},
                {"amenity_type": "transit_stop", "radius_km": 3, "nearby_count": 4}]') s),
          array['3 km: 4 -> 80', '10 km: 12 -> 100'], 'one type, two targets: each its own slice');
-- transit slices 20, 5, 2 km -> @3 reads 2 km (1 -> 60), @10 reads 5 km (9 -> 100 by the 10 km buckets)
SELECT is((SELECT array[scores_t.chosen(s, 'transit_stop', 3), scores_t.chosen(s, 'transit_stop', 10)]
             FROM realmap.score_from_stats(
              '[{"amenity_type": "transit_stop", "radius_km": 20, "nearby_count": 0},
                {"amenity_type": "transit_stop", "radius_km": 5, "nearby_count": 9},
                {"amenity_type": "transit_stop", "radius_km": 2, "nearby_count": 1}]') s),
          array['2 km: 1 -> 60', '5 km: 9 -> 100'], 'a wider slice is never read while a narrower one fits');

-- ================================================================ 7. on-site amenities
-- roads 8 + water 8 + club 6 = 22; overall = round(0.5*22 + 0.5*66) = 44
CREATE TABLE scores_t.onsite AS
SELECT realmap.score_from_stats(jsonb_build_object('slices', stats, 'onsite_amenities',
           '["INTERNAL ROADS AND FOOTPATHS", "WATER SUPPLY", "CLUB HOUSE"]'::jsonb)) AS s
  FROM scores_t.inputs WHERE name = 'worked';
SELECT is((SELECT jsonb_build_object('amenity', s->'amenity_score', 'location', s->'location_score',
                                     'overall', s->'overall_score', 'status', s->'score_status',
                                     'reason', s->'score_status_reason') FROM scores_t.onsite),
          '{"amenity": 22, "location": 66, "overall": 44, "status": "ok", "reason": []}'::jsonb,
          'on-site amenities given: amenity 22, overall round(11 + 33) = 44, ok');
SELECT is((SELECT s->'breakdown'->'onsite' FROM scores_t.onsite),
          '{"declared": 3, "kinds": ["internal_roads", "water_supply", "club_house"], "unrecognised": []}'::jsonb,
          'the breakdown names the declared kinds');
-- a kind counts once however often it is declared; "water supply and sewerage" is two kinds (8 + 8);
-- an unknown text scores nothing and is reported: 8 + 8 = 16
SELECT is((SELECT jsonb_build_object('amenity', s->'amenity_score', 'onsite', s->'breakdown'->'onsite')
             FROM realmap.score_from_stats('{"slices": [], "onsite_amenities":
                  ["WATER SUPPLY", "Water Supply", "drinking water", {"particulars": "Water supply and sewerage"}, "HELIPAD"]}') s),
          '{"amenity": 16, "onsite": {"declared": 5, "kinds": ["water_supply", "sewerage"], "unrecognised": ["HELIPAD"]}}'::jsonb,
          'a kind counts once; an unknown amenity scores 0 and is reported');
SELECT is((SELECT jsonb_build_object('daily', s->'daily_needs_score', 'location', s->'location_score',
                                     'amenity', s->'amenity_score', 'overall', s->'overall_score',
                                     'status', s->'score_status', 'reason', s->'score_status_reason')
             FROM realmap.score_from_stats('{"slices": [], "onsite_amenities": ["INTERNAL ROADS AND FOOTPATHS", "WATER SUPPLY", "CLUB HOUSE"]}') s),
          '{"daily": null, "location": null, "amenity": 22, "overall": 22, "status": "partial", "reason": ["missing_nearby_data"]}'::jsonb,
          'on-site only: partial, overall = amenity, missing_nearby_data');
SELECT is((SELECT jsonb_agg(jsonb_build_object('overall', s->'overall_score', 'status', s->'score_status',
                                               'reason', s->'score_status_reason', 'location', s->'location_score'))
             FROM unnest(ARRAY['[]', '{"slices": [], "onsite_amenities": null}']::jsonb[]) i, realmap.score_from_stats(i) s),
          '[{"overall": null, "status": "insufficient_data", "reason": ["missing_all_data"], "location": null},
            {"overall": null, "status": "insufficient_data", "reason": ["missing_all_data"], "location": null}]'::jsonb,
          'neither slices nor on-site amenities: insufficient_data, overall null');
-- declared none: amenity 0, overall = round(0.5*0 + 0.5*66) = 33
SELECT is((SELECT jsonb_build_object('amenity', s->'amenity_score', 'overall', s->'overall_score', 'status', s->'score_status')
             FROM scores_t.inputs, realmap.score_from_stats(jsonb_build_object('slices', stats, 'onsite_amenities', '[]'::jsonb)) s
            WHERE name = 'worked'),
          '{"amenity": 0, "overall": 33, "status": "ok"}'::jsonb,
          'an empty on-site list is "none": amenity 0, overall 33, ok');
-- radius_km null: an on-site row naming its amenity (club 6), unless onsite_available is false
SELECT is((SELECT jsonb_build_object('amenity', s->'amenity_score', 'status', s->'score_status')
             FROM realmap.score_from_stats('[{"amenity_type": "COMMUNITY BUILDINGS/ CLUB HOUSE", "radius_km": null},
                                            {"amenity_type": "SWIMMING POOL", "radius_km": null, "onsite_available": false}]') s),
          '{"amenity": 6, "status": "partial"}'::jsonb,
          'a slice without a radius is an on-site row; onsite_available false declares nothing');

-- ================================================================ 8. errors
SELECT throws_ok($$SELECT realmap.score_from_stats('[{"amenity_type": "school", "radius_km": -1, "nearby_count": 1}]')$$,
    '22023', 'score_from_stats: stats[0] ("school"): radius_km must be a positive number of kilometres, got -1',
    'a negative radius: 22023 naming the slice and radius_km');
SELECT throws_ok($$SELECT realmap.score_from_stats('[{"amenity_type": "mall", "radius_km": 5, "nearby_count": 0},
                                                    {"amenity_type": "school", "radius_km": 3, "nearby_count": -2}]')$$,
    '22023', 'score_from_stats: stats[1] ("school"): nearby_count must be a non-negative whole number or null, got -2',
    'a negative count: 22023 naming the slice and nearby_count');
SELECT throws_ok($$SELECT realmap.score_from_stats('[{"amenity_type": "school", "radius_km": 3, "nearby_count": 2.5}]')$$,
    '22023', 'score_from_stats: stats[0] ("school"): nearby_count must be a non-negative whole number or null, got 2.5',
    'a fractional count: 22023');
SELECT throws_ok($$SELECT realmap.score_from_stats('[{"amenity_type": "bank_atm", "radius_km": 1, "nearby_count": 1, "nearby_nearest_km": -0.1}]')$$,
    '22023', 'score_from_stats: stats[0] ("bank_atm"): nearby_nearest_km must be a non-negative number of kilometres, got -0.1',
    'a negative nearest distance: 22023 naming nearby_nearest_km');
SELECT throws_ok($$SELECT realmap.score_from_stats('[{"amenity_type": "school", "radius_km": 3, "nearby_count": 1},
                                                    {"amenity_type": "school", "radius_km": 3.0, "nearby_count": 2}]')$$,
    '22023', 'score_from_stats: stats[1] ("school"): radius_km 3.0 repeats an earlier slice of the same amenity_type',
    'a repeated (amenity_type, radius_km): 22023');
SELECT throws_ok($$SELECT realmap.score_from_stats('"slices"')$$,
    '22023', 'score_from_stats: expected a JSON array of amenity slices, or an object with "slices", got string',
    'neither an array nor an object: 22023');
SELECT throws_ok($$SELECT realmap.score_from_stats('{"onsite_amenities": []}')$$,
    '22023', 'score_from_stats: expected a JSON array of amenity slices, or an object with "slices"; the object has no "slices"',
    'an object without "slices": 22023');
SELECT throws_ok($$SELECT realmap.score_from_stats('{"slices": [], "onsite_amenities": "CLUB HOUSE"}')$$,
    '22023', 'score_from_stats: onsite_amenities must be an array of amenities, got "CLUB HOUSE"',
    'onsite_amenities not an array: 22023');

-- ================================================================ 9. value_score, value_bucket
-- price = median: 100 * (0.6*0.66 + 0.4*0.5) = 59.6
SELECT is(realmap.value_score(66, 4000000, 4000000), 59.6::float8, 'price at the median: price_factor 0.5 (59.6)');
-- price >= 2 * median: price_factor 0, value = 60 * quality
SELECT is(array[realmap.value_score(100, 2000000, 1000000), realmap.value_score(100, 3000000, 1000000),
                realmap.value_score(80, 1500000, 2000000)],
          array[60, 60, 73]::float8[], 'price at or above twice the median: price_factor 0; 1.5M of 2M: 73');
-- no median, or one <= 0: 5,000,000, so 50 at 5M is 100 * (0.3 + 0.2) = 50
SELECT is(array[realmap.value_score(50, 5000000), realmap.value_score(50, 5000000, NULL),
                realmap.value_score(50, 5000000, 0), realmap.value_score(50, 5000000, -1),
                realmap.value_score(50, 2500000)],
          array[50, 50, 50, 50, 60]::float8[], 'median missing or <= 0: 5,000,000');
SELECT is(array[realmap.value_score(150, 0, 5000000), realmap.value_score(-5, 10000000, 5000000)],
          array[100, 0]::float8[], 'overall is clamped to 0..100 (price 0: factor 1)');
SELECT is(array[realmap.value_score(NULL, 5000000, 5000000), realmap.value_score(66, NULL, 5000000)]::text,
          '{NULL,NULL}', 'no overall or no price: no value');
-- Python's round(x, 2) on the binary value: 100*(0.3 + 0.4*(1 - 1.00025/2)) = 49.995 in decimal,
-- 49.99499999999999744... in binary -> 49.99; 100*(0.036 + 0.4*(1 - 0.18025/2)) -> 39.99 (poor, not 40 fair)
SELECT is(array[realmap.value_score(50, 1000250, 1000000), realmap.value_score(6, 360500, 2000000)],
          array[49.99, 39.99]::float8[], 'round(x, 2) of the binary value: 49.995 -> 49.99, 39.995 -> 39.99');
SELECT is(realmap.value_bucket(realmap.value_score(6, 360500, 2000000)), 'poor', '39.99 is poor');
SELECT results_eq(
    $$SELECT realmap.value_bucket(v) FROM unnest(ARRAY[100, 70, 69.99, 55, 54.99, 40, 39.99, 0, NULL]::float8[]) WITH ORDINALITY u(v, o) ORDER BY o$$,
    $$VALUES ('excellent'), ('excellent'), ('good'), ('good'), ('fair'), ('fair'), ('poor'), ('poor'), ('unknown')$$,
    'buckets: >= 70 excellent, >= 55 good, >= 40 fair, else poor, NULL unknown');

-- ================================================================ 10. compute_score, compute_value_scores
CREATE TABLE scores_t.p (name text PRIMARY KEY, id bigint NOT NULL);
WITH ins AS (
    INSERT INTO realmap.projects (state_code, rera_registration_number, project_name, v1, content_hash)
    VALUES ('CG', 'TEST-SCORES-1', 'SCORES A', '{}', 'test-scores-1'),
           ('CG', 'TEST-SCORES-2', 'SCORES B', '{}', 'test-scores-2'),
           ('CG', 'TEST-SCORES-3', 'SCORES C', '{}', 'test-scores-3')
    RETURNING project_id, rera_registration_number)
INSERT INTO scores_t.p SELECT right(rera_registration_number, 1), project_id FROM ins;
-- A: the worked example's slices; amenities in two active quarters (roads repeated, an empty
-- particulars), a pool only in an inactive one; prices 3.0M, 2.5M, 0, NULL, and 1.0M inactive
INSERT INTO realmap.project_amenity_stats (project_id, amenity_type, radius_km, nearby_count, nearby_nearest_km,
                                           latitude, longitude, query_key)
SELECT p.id, e->>'amenity_type', (e->>'radius_km')::numeric, (e->>'nearby_count')::int, (e->>'nearby_nearest_km')::numeric,
       21.25, 81.63, 'test-scores'
  FROM scores_t.p p, scores_t.inputs i, jsonb_array_elements(i.stats) e
 WHERE p.name = '1' AND i.name = 'worked';
-- B: every count 0 but transit@10 = 4, the bank 0.3 km away: 20/20/62 -> 30 (the 30.5 tie)
INSERT INTO realmap.project_amenity_stats (project_id, amenity_type, radius_km, nearby_count, nearby_nearest_km,
                                           latitude, longitude, query_key)
SELECT p.id, e->>'amenity_type', (e->>'radius_km')::numeric, (e->>'nearby_count')::int, (e->>'nearby_nearest_km')::numeric,
       21.26, 81.64, 'test-scores'
  FROM scores_t.p p, jsonb_array_elements(scores_t.s(ARRAY[0,0,0, 0,0,0,0,0,0, 0,4], 0.3)) e
 WHERE p.name = '2';
INSERT INTO realmap.quarterly_updates (project_id, from_date, to_date, amenity_progress, is_active)
SELECT p.id, f::date, t::date, a::jsonb, act
  FROM scores_t.p p, (VALUES
    ('2024-01-01', '2024-03-31', '[{"particulars": "INTERNAL ROADS AND FOOTPATHS", "progress_percent": 20},
                                   {"particulars": "WATER SUPPLY", "progress_percent": 0}]', true),
    ('2024-04-01', '2024-06-30', '[{"particulars": "INTERNAL ROADS AND FOOTPATHS", "progress_percent": 60},
                                   {"particulars": "CLUB HOUSE", "progress_percent": 10},
                                   {"particulars": "", "progress_percent": 0}]', true),
    ('2023-10-01', '2023-12-31', '[{"particulars": "SWIMMING POOL", "progress_percent": 5}]', false)) q(f, t, a, act)
 WHERE p.name = '1';
INSERT INTO realmap.unit_types (project_id, type_name, sale_price, is_active)
SELECT p.id, u.n, u.price, u.act
  FROM scores_t.p p, (VALUES ('1', 'Plot 1500', 3000000, true), ('1', 'Plot 1000', 2500000, true), ('1', 'Plot free', 0, true),
                             ('1', 'Plot ask', NULL, true), ('1', 'Plot old', 1000000, false),
                             ('2', '2 BHK', 4500000, true), ('2', '3 BHK', 6000000, true)) u(pn, n, price, act)
 WHERE p.name = u.pn;

SELECT is((SELECT realmap.compute_score(id, 999999) - 'project_id' FROM scores_t.p WHERE name = '1'),
          '{"overall_score": 44, "location_score": 66, "amenity_score": 22, "score_status": "ok", "price_inr": 2500000}'::jsonb,
          'compute_score A: ok, overall 44, the lowest active positive price 2,500,000');
SELECT FROM realmap.compute_score((SELECT id FROM scores_t.p WHERE name = '2'), 999999);
SELECT FROM realmap.compute_score((SELECT id FROM scores_t.p WHERE name = '3'), 999998);

SELECT results_eq(
    $$SELECT p.name, s.daily_needs_score, s.social_infra_score, s.connectivity_score, s.location_score, s.amenity_score,
             s.overall_score, s.score_status, s.score_status_reason, s.score_version, s.price_inr, s.run_id
        FROM scores_t.p p JOIN realmap.project_scores s ON s.project_id = p.id ORDER BY p.name$$,
    $$VALUES ('1', 53, 63, 90, 66.00, 22.00, 44.00, 'ok', '[]'::jsonb, 'amenity_v2', 2500000::numeric, 999999::bigint),
             ('2', 20, 20, 62, 30.00, NULL, 30.00, 'partial', '["missing_onsite_data"]', 'amenity_v2', 4500000, 999999),
             ('3', NULL, NULL, NULL, NULL, NULL, NULL, 'insufficient_data', '["missing_all_data"]', 'amenity_v2', NULL, 999998)$$,
    'project_scores: A ok (active quarters only), B partial (30.5 -> 30), C insufficient, prices, run ids');
-- A's row is what score_from_stats gives for its slices and its distinct active particulars
SELECT is((SELECT jsonb_build_object('d', s.daily_needs_score, 's', s.social_infra_score, 'c', s.connectivity_score,
                                     'l', s.location_score, 'a', s.amenity_score, 'o', s.overall_score,
                                     'status', s.score_status, 'reason', s.score_status_reason, 'breakdown', s.breakdown)
             FROM scores_t.p p JOIN realmap.project_scores s ON s.project_id = p.id WHERE p.name = '1'),
          (SELECT jsonb_build_object('d', f->'daily_needs_score', 's', f->'social_infra_score', 'c', f->'connectivity_score',
                                     'l', f->'location_score', 'a', f->'amenity_score', 'o', f->'overall_score',
                                     'status', f->'score_status', 'reason', f->'score_status_reason',
                                     'breakdown', f->'breakdown' || jsonb_build_object('missing_inputs', f->'missing_inputs'))
             FROM scores_t.inputs i, realmap.score_from_stats(jsonb_build_object('slices', i.stats, 'onsite_amenities',
                      '["INTERNAL ROADS AND FOOTPATHS", "WATER SUPPLY", "CLUB HOUSE"]'::jsonb)) f
            WHERE i.name = 'worked'),
          'compute_score A stores score_from_stats of its stats and on-site amenities');
SELECT is((SELECT array_agg(s.value_score IS NULL AND s.value_bucket IS NULL AND s.median_price_inr IS NULL ORDER BY p.name)
             FROM scores_t.p p JOIN realmap.project_scores s ON s.project_id = p.id),
          array[true, true, true], 'no value score before finalize');

-- median of 2.5M and 4.5M = 3.5M; A: round(100*(0.6*0.44 + 0.4*(1 - (2.5/3.5)/2)), 2) = 52.11;
-- B: round(100*(0.6*0.30 + 0.4*(1 - (4.5/3.5)/2)), 2) = 32.29
SELECT is(realmap.compute_value_scores(999999), 3500000::numeric, 'compute_value_scores: the median of the run''s prices');
SELECT results_eq(
    $$SELECT p.name, s.value_score, s.value_bucket, s.median_price_inr
        FROM scores_t.p p JOIN realmap.project_scores s ON s.project_id = p.id ORDER BY p.name$$,
    $$VALUES ('1', 52.11, 'fair', 3500000::numeric), ('2', 32.29, 'poor', 3500000), ('3', NULL, NULL, NULL)$$,
    'value scores against 3.5M for the run''s rows; the other run''s row untouched');
SELECT is_empty(
    $$SELECT 1 FROM scores_t.p p JOIN realmap.project_scores s ON s.project_id = p.id
       WHERE s.run_id = 999999
         AND (s.value_score IS DISTINCT FROM round(realmap.value_score(s.overall_score::float8, s.price_inr::float8, 3500000)::numeric, 2)
              OR s.value_bucket IS DISTINCT FROM realmap.value_bucket(realmap.value_score(s.overall_score::float8, s.price_inr::float8, 3500000)))$$,
    'each stored value is realmap.value_score and value_bucket of the row');
SELECT is(realmap.compute_value_scores(999998), 5000000::numeric, 'a run without prices: median 5,000,000');
SELECT is((SELECT array[s.value_bucket, coalesce(s.value_score::text, 'NULL'), s.median_price_inr::text]
             FROM scores_t.p p JOIN realmap.project_scores s ON s.project_id = p.id WHERE p.name = '3'),
          array['unknown', 'NULL', '5000000'], 'no overall, no price: no value, bucket unknown, the median recorded');
-- given 4M: A round(100*(0.264 + 0.4*(1 - 0.625/2)), 2) = 53.9, B round(100*(0.18 + 0.4*(1 - 1.125/2)), 2) = 35.5
SELECT is(realmap.compute_value_scores(999999, 4000000), 4000000::numeric, 'a given median is returned');
SELECT is((SELECT array_agg(s.value_score ORDER BY p.name) || array_agg(s.median_price_inr ORDER BY p.name)
             FROM scores_t.p p JOIN realmap.project_scores s ON s.project_id = p.id WHERE p.name IN ('1', '2')),
          array[53.9, 35.5, 4000000, 4000000]::numeric[], 'a given median is used as it is');
SELECT is(realmap.compute_value_scores(999999, 0), 3500000::numeric, 'a given median <= 0 falls back to the run''s median');
-- a rescore drops the value score computed with the old scores; B keeps its own
SELECT FROM realmap.compute_score((SELECT id FROM scores_t.p WHERE name = '1'), 999999);
SELECT results_eq(
    $$SELECT p.name, s.overall_score, s.value_score, s.value_bucket, s.median_price_inr
        FROM scores_t.p p JOIN realmap.project_scores s ON s.project_id = p.id WHERE p.name IN ('1', '2') ORDER BY p.name$$,
    $$VALUES ('1', 44.00, NULL::numeric, NULL::text, NULL::numeric), ('2', 30.00, 32.29, 'poor', 3500000)$$,
    'compute_score again: one row, value_score reset to NULL until finalize; the other row keeps its value');
SELECT throws_ok($$SELECT realmap.compute_score(-424242)$$, 'P0002', 'project -424242 does not exist',
                 'compute_score of no project: no_data_found');

SELECT * FROM finish();
ROLLBACK;
