"""Nominatim and Overpass: the real answer shapes, plausible content, errors, strict mode."""
import json
import math
import os
import time
import unittest
import urllib.parse

from test.portal._harness import SimServer

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def q(s, **extra):
    params = {"q": s, "format": "json", "addressdetails": "1", "limit": "1"}
    params.update(extra)
    return "/search?" + urllib.parse.urlencode(params)


def overpass_query(lat, lon, tags, radius=3000):
    clauses = "".join('nwr["%s"="%s"](around:%d,%.6f,%.6f);' % (k, v, radius, lat, lon) for k, v in tags)
    return "[out:json][timeout:25];(%s);out center;" % clauses


def dist_m(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(a))


class NominatimTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = SimServer(lifetime=600).start()
        with open(os.path.join(DATA, "nominatim_samples.json"), encoding="utf-8") as f:
            cls.samples = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def search(self, s, **extra):
        st, h, body = self.sim.get(q(s, **extra), headers={"User-Agent": "realmap-test"})
        self.assertEqual(st, 200)
        self.assertTrue(h["content-type"].startswith("application/json"))
        return json.loads(body.decode("utf-8"))

    def test_real_samples_are_answered_verbatim(self):
        for s in self.samples:
            self.assertEqual(self.search(s["query"]), [s["response"]], s["query"])

    def test_shape_of_derived_hits(self):
        keys = list(self.samples[0]["response"].keys())
        addr_keys = {"county", "state_district", "state", "ISO3166-2-lvl4", "country", "country_code"}
        for s, kind in (("Tilda, Raipur, Chhattisgarh, India", ("town", "village")),
                        ("Sakari, Raipur, Raipur, Chhattisgarh, India", ("suburb",)),
                        ("District Raipur  Tehsil Raipur  Villege  Sakari  Patwari Halka  75, Sakari, Raipur, Raipur, "
                         "Chhattisgarh, India", ("suburb",)),
                        ("Bemetara, Chhattisgarh, India", ("city",)),
                        ("Katghora, Korba, Chhattisgarh, 495445, India", ("town",)),
                        ("Kharora, Raipur, Chhattisgarh, India", ("village", "town"))):
            r = self.search(s)
            self.assertEqual(len(r), 1, s)
            hit = r[0]
            self.assertEqual(list(hit.keys()), keys, s)
            self.assertIn(hit["addresstype"], kind, s)
            self.assertIsInstance(hit["lat"], str)
            self.assertTrue(17.0 < float(hit["lat"]) < 25.0 and 80.0 < float(hit["lon"]) < 85.0, s)
            self.assertTrue(addr_keys <= set(hit["address"]), s)
            self.assertEqual(len(hit["boundingbox"]), 4)
            self.assertTrue(hit["display_name"].startswith(hit["name"] + ", "), hit["display_name"])
            self.assertTrue(hit["display_name"].endswith(", India"), hit["display_name"])
            self.assertIn(", Chhattisgarh, ", hit["display_name"])
        r = self.search("Narayanpur, Chhattisgarh, India")  # a district without a tehsil of its name
        self.assertEqual(r[0]["class"], "boundary")
        self.assertEqual(r[0]["addresstype"], "state_district")

    def test_unknown_places_and_options(self):
        self.assertEqual(self.search("Atlantis, Nowhere"), [])
        self.assertEqual(self.search("Qwertyuiop, Raipur, Chhattisgarh, India"), [])
        r = self.search("Arang, Raipur, Chhattisgarh, India", addressdetails="0")
        self.assertNotIn("address", r[0])
        r = self.search("Arang, Raipur, Chhattisgarh, India", format="jsonv2")
        self.assertIn("category", r[0])
        st, h, body = self.sim.get(q("Raipur", format="xml"))
        self.assertEqual(st, 400)
        # deterministic
        self.assertEqual(self.search("Tilda, Raipur, Chhattisgarh, India"),
                         self.search("Tilda, Raipur, Chhattisgarh, India"))


class NominatimStrictTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = SimServer("--nominatim-strict", lifetime=600).start()

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def test_429_above_one_request_per_second(self):
        ua = {"User-Agent": "realmap-test"}
        path = q("Raipur, Chhattisgarh, India")
        self.assertEqual(self.sim.get(path, headers=ua)[0], 200)
        st, h, body = self.sim.get(path, headers=ua)
        self.assertEqual(st, 429)
        self.assertIn("retry-after", h)
        self.assertIn(b"Bandwidth limit exceeded", body)
        time.sleep(1.1)
        self.assertEqual(self.sim.get(path, headers=ua)[0], 200)
        self.assertEqual(self.sim.get(path, headers={"User-Agent": ""})[0], 403)
        st, stats = self.sim.json("/__sim/stats?endpoint=nominatim")
        self.assertEqual(stats["by_endpoint"]["nominatim"].get("429"), 1)
        # strictness can be switched at run time
        self.sim.json("/__sim/config", "POST", {"nominatim_strict": False})
        self.assertEqual([self.sim.get(path)[0] for _ in range(3)], [200] * 3)
        self.sim.json("/__sim/config", "POST", {"nominatim_strict": True})


class OverpassTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = SimServer(lifetime=600).start()

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def run_query(self, query, method="POST"):
        if method == "POST":
            st, h, body = self.sim.request("POST", "/api/interpreter", body={"data": query})
        else:
            st, h, body = self.sim.get("/api/interpreter?" + urllib.parse.urlencode({"data": query}))
        return st, h, body

    def test_shape_and_content(self):
        lat, lon = 21.2380912, 81.6336993  # Raipur
        st, h, body = self.run_query(overpass_query(lat, lon, [("amenity", "school"), ("amenity", "hospital")]))
        self.assertEqual(st, 200)
        self.assertEqual(h["content-type"], "application/json")
        r = json.loads(body)
        self.assertEqual(r["version"], 0.6)
        self.assertTrue(r["generator"].startswith("Overpass API"))
        self.assertIn("timestamp_osm_base", r["osm3s"])
        els = r["elements"]
        self.assertGreater(len(els), 20)
        types = {e["type"] for e in els}
        self.assertEqual(types, {"node", "way"})
        ids = set()
        for e in els:
            self.assertIn(e["tags"].get("amenity"), ("school", "hospital"))
            self.assertIn("name", e["tags"])
            if e["type"] == "node":
                p = (e["lat"], e["lon"])
                self.assertNotIn("center", e)
            else:
                p = (e["center"]["lat"], e["center"]["lon"])
                self.assertIn("nodes", e)
                self.assertNotIn("lat", e)
            self.assertLessEqual(dist_m(lat, lon, *p), 3000.0)
            ids.add((e["type"], e["id"]))
        self.assertEqual(len(ids), len(els))
        # deterministic, and GET works too
        self.assertEqual(self.run_query(overpass_query(lat, lon, [("amenity", "school"), ("amenity", "hospital")]),
                                        "GET")[2], body)

    def test_density_town_versus_village(self):
        tags = [("amenity", "school"), ("shop", "convenience"), ("amenity", "pharmacy"), ("highway", "bus_stop")]
        counts = []
        for lat, lon in ((21.2380912, 81.6336993), (22.40, 83.70)):  # Raipur city / open country
            st, h, body = self.run_query(overpass_query(lat, lon, tags, 2000))
            counts.append(len(json.loads(body)["elements"]))
        self.assertGreater(counts[0], 5 * max(1, counts[1]))
        self.assertGreater(counts[0], 50)

    def test_out_without_center_and_radius_limits(self):
        st, h, body = self.run_query('[out:json];nwr["leisure"="park"](around:3000,21.2380912,81.6336993);out;')
        self.assertEqual(st, 200)
        ways = [e for e in json.loads(body)["elements"] if e["type"] == "way"]
        self.assertTrue(ways)
        self.assertTrue(all("center" not in w for w in ways))
        st, h, body = self.run_query('[out:json];node["amenity"="atm"](around:1000,21.2380912,81.6336993);out center;')
        self.assertTrue(all(e["type"] == "node" for e in json.loads(body)["elements"]))

    def test_unsupported_queries_get_400_with_overpass_error_text(self):
        for bad in ("[out:xml];node(1);out;", '[out:json];way["a"="b"](around:1,2);out;',
                    '[out:json];(nwr["a"="b"](around:100,21,81););', "", "[out:json];node(around:100,21,81);out;",
                    '[out:json];nwr["amenity"="school"](around:900000,21,81);out center;'):
            st, h, body = self.run_query(bad)
            self.assertEqual(st, 400, bad)
            self.assertIn(b'<strong style="color:#FF0000">Error</strong>', body)


class OverpassSelectionTest(unittest.TestCase):
    """In process: select()'s shortcuts (whole cells in or out, the inlined haversine) give
    exactly what the plain rule gives: every cell of the box, haversine_m(...) <= radius."""

    @classmethod
    def setUpClass(cls):
        from test.portal import services, world
        cls.services = services
        cls.overpass = services.Overpass(world.get_world())

    def reference(self, typ, k, v, radius, lat, lon):
        s = self.services
        dlat = radius / 111000.0
        dlon = dlat / max(0.1, math.cos(math.radians(lat)))
        out = []
        for ci in range(int(math.floor((lat - dlat) / s.CELL)), int(math.floor((lat + dlat) / s.CELL)) + 1):
            for cj in range(int(math.floor((lon - dlon) / s.CELL)), int(math.floor((lon + dlon) / s.CELL)) + 1):
                for el in self.overpass.cell_pois(ci, cj, k, v):
                    pt = el.get("center", el)
                    if (typ == "nwr" or el["type"] == typ) and s.haversine_m(lat, lon, pt["lat"], pt["lon"]) <= radius:
                        out.append(el)
        return out

    def test_same_elements_as_the_plain_rule(self):
        s = self.services
        cases = [("nwr", "amenity", "school", 5000, 21.2380912, 81.6336993),
                 ("nwr", "highway", "bus_stop", 10000, 22.0796, 82.1391),
                 ("node", "amenity", "atm", 2000, 21.1938, 81.3509),
                 ("way", "leisure", "park", 25000, 19.0748, 82.0080),
                 ("nwr", "amenity", "pharmacy", 0, 21.2380912, 81.6336993)]
        for typ, k, v, radius, lat, lon in cases:
            q = '[out:json];%s["%s"="%s"](around:%s,%.7f,%.7f);out center;' % (typ, k, v, radius, lat, lon)
            want = self.reference(typ, k, v, radius, lat, lon)
            self.assertEqual(self.overpass.run(q)["elements"], want, q)
            self.assertEqual(self.overpass.answer(q), s.dumps(self.overpass.run(q)), q)
            self.assertEqual(self.overpass.answer(q.replace("out center;", "out;")),
                             s.dumps(self.overpass.run(q.replace("out center;", "out;"))), q)
        # points exactly on the circle (in) and a hair beyond it (out)
        lat, lon = 21.2380912, 81.6336993
        base = '[out:json];nwr["amenity"="school"](around:%s,%.7f,%.7f);out center;'
        for el in self.overpass.run(base % (3000, lat, lon))["elements"][:20]:
            pt = el.get("center", el)
            d = s.haversine_m(lat, lon, pt["lat"], pt["lon"])
            for radius, inside in ((d, True), (math.nextafter(d, 0.0), False)):
                got = self.overpass.run(base % (repr(radius), lat, lon))["elements"]
                self.assertEqual(el in got, inside, (el["id"], radius))
                self.assertEqual(got, self.reference("nwr", "amenity", "school", radius, lat, lon))


if __name__ == "__main__":
    unittest.main()
