"""Fault injection per endpoint, the control API, and stats (timing asserts are lower bounds only)."""
import http.client
import socket
import threading
import time
import unittest

from test.portal._harness import SimServer

DETAIL = "/Promoter_Reg_Only_View_Application_new.aspx?MyID=MzM2"
SEARCH = "/search?q=Raipur,+Chhattisgarh,+India&format=json&addressdetails=1&limit=1"


def raw_request(port, path, timeout=10):
    """Send one GET on a raw socket and return everything the server sent until it closed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                chunks.append(b"<RST>")
                break
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)
    finally:
        s.close()


class FaultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = SimServer("--fault", "overpass:error_rate=1,error_status=502", lifetime=600).start()

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.sim.set_faults({"overpass": {"error_rate": 1, "error_status": 502}})

    def test_fault_flag_at_start_and_other_endpoints_unaffected(self):
        st, h, body = self.sim.request("POST", "/api/interpreter", body={"data": '[out:json];nwr["amenity"="school"]'
                                                                         '(around:500,21.25,81.63);out center;'})
        self.assertEqual(st, 502)
        self.assertEqual(self.sim.get(DETAIL)[0], 200)
        self.assertEqual(self.sim.get(SEARCH)[0], 200)

    def test_match_limits_a_fault_to_the_requests_naming_it(self):
        self.sim.set_faults({"overpass": {"error_rate": 1, "error_status": 504, "match": "21.25,81.63"},
                             "nominatim": {"error_rate": 1, "match": "Bilaspur"}})
        near = '[out:json];nwr["amenity"="school"](around:500,%s);out center;'
        self.assertEqual(self.sim.request("POST", "/api/interpreter", body={"data": near % "21.25,81.63"})[0], 504)
        self.assertEqual(self.sim.request("POST", "/api/interpreter", body={"data": near % "21.26,81.63"})[0], 200)
        self.assertEqual(self.sim.get("/search?q=Bilaspur,+Chhattisgarh,+India&format=json")[0], 503)
        self.assertEqual(self.sim.get(SEARCH)[0], 200)
        self.sim.set_faults({"overpass": {"error_rate": 1, "error_status": 504, "match": ["21.25,81.63", "22.0,82.0"]}})
        self.assertEqual(self.sim.request("POST", "/api/interpreter", body={"data": near % "22.0,82.0"})[0], 504)
        self.assertEqual(self.sim.request("POST", "/api/interpreter", body={"data": near % "21.26,81.63"})[0], 200)

    def test_error_rate(self):
        self.sim.set_faults({"detail": {"error_rate": 1.0, "error_status": 503}})
        self.assertEqual([self.sim.get(DETAIL)[0] for _ in range(3)], [503] * 3)
        self.assertEqual(self.sim.get(SEARCH)[0], 200)
        self.sim.set_faults({"detail": {"error_rate": 0.5}})
        got = [self.sim.get(DETAIL)[0] for _ in range(40)]
        self.assertTrue(5 < got.count(503) < 35, got)
        self.assertEqual(set(got), {200, 503})

    def test_429_with_retry_after(self):
        self.sim.set_faults({"nominatim": {"rate_429": 1.0, "retry_after": 7}})
        st, h, body = self.sim.get(SEARCH)
        self.assertEqual(st, 429)
        self.assertEqual(h["retry-after"], "7")

    def test_times_budget(self):
        self.sim.set_faults({"detail": {"error_rate": 1.0, "error_status": 500, "times": 2}})
        self.assertEqual([self.sim.get(DETAIL)[0] for _ in range(4)], [500, 500, 200, 200])
        st, f = self.sim.json("/__sim/faults")
        self.assertNotIn("detail", f["faults"])

    def test_connection_reset(self):
        self.sim.set_faults({"detail": {"reset_rate": 1.0}})
        with self.assertRaises((ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine)):
            self.sim.get(DETAIL)
        out = raw_request(self.sim.port, DETAIL)
        self.assertIn(out, (b"", b"<RST>"))

    def test_truncated_body(self):
        self.sim.set_faults({"detail": {"truncate_rate": 1.0}})
        out = raw_request(self.sim.port, DETAIL)
        head, _, body = out.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 OK"))
        clen = int([ln for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length")][0].split(b":")[1])
        self.assertLess(len(body), clen)
        self.assertGreater(len(body), 0)
        with self.assertRaises(http.client.IncompleteRead):
            self.sim.get(DETAIL)

    def test_slow_drip(self):
        self.sim.set_faults({"detail": {"drip_rate": 1.0, "drip_bytes": 8192, "drip_interval_ms": 50}})
        t = time.time()
        st, h, body = self.sim.get(DETAIL)
        elapsed = time.time() - t
        self.assertEqual(st, 200)
        self.sim.clear_faults()
        self.assertEqual(body, self.sim.get(DETAIL)[2])
        self.assertGreaterEqual(elapsed, (len(body) // 8192) * 0.05 * 0.8)

    def test_garbage_bytes(self):
        self.sim.set_faults({"detail": {"garbage_rate": 1.0}})
        out = raw_request(self.sim.port, DETAIL)
        self.assertGreater(len(out), 100)
        self.assertFalse(out.startswith(b"HTTP/"))
        with self.assertRaises((http.client.HTTPException, ConnectionError)):
            self.sim.get(DETAIL)

    def test_oversized_body(self):
        self.sim.set_faults({"detail": {"oversize_rate": 1.0, "oversize_bytes": 5 * 1024 * 1024}})
        st, h, body = self.sim.get(DETAIL)
        self.assertEqual(st, 200)
        self.assertEqual(int(h["content-length"]), 5 * 1024 * 1024)
        self.assertEqual(len(body), 5 * 1024 * 1024)

    def test_redirect_to_another_host(self):
        self.sim.set_faults({"listing": {"redirect_rate": 1.0, "redirect_to": "http://mirror.example.invalid"}})
        st, h, body = self.sim.get("/Approved_project_List.aspx")
        self.assertEqual(st, 302)
        self.assertEqual(h["location"], "http://mirror.example.invalid/Approved_project_List.aspx")
        self.sim.set_faults({"detail": {"redirect_rate": 1.0}})
        st, h, body = self.sim.get(DETAIL)
        self.assertEqual(h["location"], "http://portal-mirror.invalid" + DETAIL)

    def test_require_header_answers_401_without_the_credential(self):
        self.sim.set_faults({"nominatim": {"require_header": "X-Api-Key: s3cret"}})
        st, h, body = self.sim.get(SEARCH)
        self.assertEqual(st, 401)
        self.assertIn(b"credential", body)
        self.assertEqual(self.sim.get(SEARCH, headers={"X-Api-Key": "wrong"})[0], 401)
        self.assertEqual(self.sim.get(SEARCH, headers={"x-api-key": "s3cret"})[0], 200)
        self.assertEqual(self.sim.get(DETAIL)[0], 200, "other endpoints ask for nothing")

    def test_latency_and_jitter(self):
        self.sim.set_faults({"nominatim": {"latency_ms": 300, "jitter_ms": 100}})
        t = time.time()
        self.assertEqual(self.sim.get(SEARCH)[0], 200)
        self.assertGreaterEqual(time.time() - t, 0.29)
        t = time.time()
        self.sim.get("/__sim/health")  # control endpoints are never delayed
        self.assertEqual(self.sim.get(DETAIL)[0], 200)

    def test_bad_fault_specs_are_refused(self):
        for spec in ({"detail": {"eror_rate": 1}}, {"nowhere": {"error_rate": 1}}, {"detail": {"error_rate": 3}},
                     {"detail": 5}):
            st, out = self.sim.json("/__sim/faults", "POST", spec)
            self.assertEqual(st, 400, spec)
            self.assertIn("error", out)
        st, out = self.sim.json("/__sim/faults")
        self.assertIn("drip_interval_ms", out["keys"])
        self.assertIn("documents", out["endpoints"])

    def test_star_applies_to_all_endpoints(self):
        self.sim.set_faults({"*": {"error_rate": 1.0, "error_status": 500}, "nominatim": {"error_rate": 0.0}})
        self.assertEqual(self.sim.get(DETAIL)[0], 500)
        self.assertEqual(self.sim.get(SEARCH)[0], 200)
        self.assertEqual(self.sim.get("/__sim/health")[0], 200)

    def test_stats(self):
        self.sim.clear_faults()
        self.sim.json("/__sim/stats/reset", "POST")
        self.sim.set_faults({"detail": {"latency_ms": 400}})
        results = []

        def one():
            results.append(self.sim.get(DETAIL)[0])
        threads = [threading.Thread(target=one) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.sim.clear_faults()
        self.sim.get(SEARCH)
        self.sim.get("/Promoter_Reg_Only_View_Application_new.aspx?MyID=bad!")
        st, s = self.sim.json("/__sim/stats")
        self.assertEqual(results, [200] * 6)
        self.assertEqual(s["requests"]["/Promoter_Reg_Only_View_Application_new.aspx"], {"200": 6, "500": 1})
        self.assertEqual(s["by_endpoint"]["nominatim"], {"200": 1})
        self.assertGreaterEqual(s["peak_concurrent_connections"], 6)
        self.assertGreaterEqual(s["peak_inflight"]["detail"], 6)
        self.assertEqual(s["total_requests"], 8)
        ts = [e["t"] for e in s["timestamps"]]
        self.assertEqual(len(ts), 8)
        self.assertEqual(ts, sorted(ts))
        self.assertTrue(all(e["ms"] >= 0 for e in s["timestamps"]))
        st, s = self.sim.json("/__sim/stats?endpoint=nominatim")
        self.assertEqual([e["endpoint"] for e in s["timestamps"]], ["nominatim"])
        self.sim.json("/__sim/stats", "DELETE")
        st, s = self.sim.json("/__sim/stats")
        self.assertEqual(s["total_requests"], 0)
        self.assertEqual(s["requests"], {})


if __name__ == "__main__":
    unittest.main()
