#!/usr/bin/env python3
"""Load test of the portal simulator, loopback only, bounded in count and time.

    python3 test/bench/portal_load.py [--seconds 5] [--connections 32] [--slow 300] [--slow-latency-ms 2000]

1. starts test/portal/server.py on a free port (it exits by itself after its lifetime);
2. cold pass: every detail page once (the server renders and caches each on first request);
3. warm throughput: --connections keep-alive connections on asyncio raw sockets request random
   detail pages for --seconds, once with Accept-Encoding: gzip (as the C++ client asks) and
   once without; no injected latency;
4. slow connections: injects --slow-latency-ms latency on the detail endpoint, opens --slow
   connections at once, each sends 2 requests on its keep-alive connection; reports the
   server's peak concurrent connections (from /__sim/stats) and the wall time;
5. prints the figures (and one JSON line), stops the server.
"""
import argparse
import asyncio
import base64
import json
import os
import random
import socket
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
from test.portal._harness import SimServer  # noqa: E402


class RawClient:
    """One keep-alive HTTP/1.1 connection on a non-blocking socket driven by the event loop."""

    def __init__(self, loop, port):
        self.loop = loop
        self.port = port
        self.sock = None
        self.buf = bytearray()

    async def connect(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await self.loop.sock_connect(s, ("127.0.0.1", self.port))
        self.sock = s

    async def get(self, path, gzip=True):
        req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: realmap-load\r\n%sConnection: keep-alive\r\n\r\n"
               % (path, "Accept-Encoding: gzip\r\n" if gzip else "")).encode()
        await self.loop.sock_sendall(self.sock, req)
        buf = self.buf
        while True:
            i = buf.find(b"\r\n\r\n")
            if i >= 0:
                break
            chunk = await self.loop.sock_recv(self.sock, 262144)
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        head = bytes(buf[:i])
        status = int(head[9:12])
        clen = 0
        for line in head.split(b"\r\n")[1:]:
            if line[:15].lower() == b"content-length:":
                clen = int(line[15:])
                break
        need = i + 4 + clen
        while len(buf) < need:
            chunk = await self.loop.sock_recv(self.sock, 262144)
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        del buf[:need]
        return status, clen

    def close(self):
        if self.sock:
            self.sock.close()


async def cold_pass(port, paths, conns=8):
    loop = asyncio.get_running_loop()
    queue = list(paths)
    done = [0, 0]

    async def worker():
        c = RawClient(loop, port)
        await c.connect()
        try:
            while queue:
                st, n = await c.get(queue.pop())
                done[0] += 1
                done[1] += st != 200
        finally:
            c.close()
    t = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conns)))
    return done[0], done[1], time.perf_counter() - t


async def warm(port, paths, conns, seconds, gzip):
    loop = asyncio.get_running_loop()
    stop = time.perf_counter() + seconds
    counts = {"ok": 0, "bad": 0, "bytes": 0}
    rng = random.Random(7)

    async def worker():
        c = RawClient(loop, port)
        await c.connect()
        try:
            while time.perf_counter() < stop:
                st, n = await c.get(paths[rng.randrange(len(paths))], gzip)
                if st == 200:
                    counts["ok"] += 1
                    counts["bytes"] += n
                else:
                    counts["bad"] += 1
        finally:
            c.close()
    t = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conns)))
    el = time.perf_counter() - t
    return counts["ok"] / el, counts["bad"], counts["bytes"] / el / 1e6


async def slow(port, paths, n, per_conn):
    loop = asyncio.get_running_loop()
    res = {"ok": 0, "bad": 0}

    async def worker(k):
        c = RawClient(loop, port)
        await c.connect()
        try:
            for j in range(per_conn):
                st, _ = await c.get(paths[(k * per_conn + j) % len(paths)])
                res["ok" if st == 200 else "bad"] += 1
        finally:
            c.close()
    t = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(n)))
    return res["ok"], res["bad"], time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="length of each warm run (max 30)")
    ap.add_argument("--connections", type=int, default=32, help="keep-alive connections for the warm runs")
    ap.add_argument("--slow", type=int, default=300, help="concurrent slow connections (max 2000)")
    ap.add_argument("--slow-latency-ms", type=float, default=2000.0)
    args = ap.parse_args()
    args.seconds = min(args.seconds, 30.0)
    args.slow = min(args.slow, 2000)

    sim = SimServer("--viewstate-kb", "64", lifetime=120 + 3 * args.seconds).start()
    try:
        st, index = sim.json("/__sim/truth")
        ids = sorted({p["my_id"] for p in index["projects"]})
        paths = ["/Promoter_Reg_Only_View_Application_new.aspx?MyID=" + i for i in ids]
        n, bad, el = asyncio.run(cold_pass(sim.port, paths))
        print("cold pass: %d distinct detail pages in %.2f s = %.0f pages/s (first render + gzip), %d not 200"
              % (n, el, n / el, bad))
        gz_rate, gz_bad, gz_mb = asyncio.run(warm(sim.port, paths, args.connections, args.seconds, True))
        print("warm, gzip:     %.0f detail pages/s (%.1f MB/s on the wire), %d connections, %.0f s, %d not 200"
              % (gz_rate, gz_mb, args.connections, args.seconds, gz_bad))
        id_rate, id_bad, id_mb = asyncio.run(warm(sim.port, paths, args.connections, args.seconds, False))
        print("warm, identity: %.0f detail pages/s (%.1f MB/s on the wire), %d connections, %.0f s, %d not 200"
              % (id_rate, id_mb, args.connections, args.seconds, id_bad))
        sim.json("/__sim/stats/reset", "POST")
        sim.set_faults({"detail": {"latency_ms": args.slow_latency_ms}})
        ok, sbad, sel = asyncio.run(slow(sim.port, paths, args.slow, 2))
        st, stats = sim.json("/__sim/stats?timestamps=0")
        peak = stats["peak_concurrent_connections"]
        print("slow: %d connections x 2 requests with %.0f ms injected latency: %d ok, %d not ok, %.2f s wall "
              "(serial would be %.0f s); server peak concurrent connections %d, peak in-flight detail requests %d"
              % (args.slow, args.slow_latency_ms, ok, sbad, sel, args.slow * 2 * args.slow_latency_ms / 1000.0, peak,
                 stats["peak_inflight"].get("detail", 0)))
        verdict = gz_rate >= 2000 and id_rate >= 2000 and peak >= 256 and sbad == 0 and gz_bad == 0 and id_bad == 0
        print(json.dumps({"cold_pages_per_s": round(n / el), "warm_gzip_pages_per_s": round(gz_rate),
                          "warm_identity_pages_per_s": round(id_rate), "slow_connections": args.slow,
                          "slow_peak_concurrent": peak, "slow_wall_s": round(sel, 2), "targets_met": verdict}))
        return 0 if verdict else 1
    finally:
        sim.stop()


if __name__ == "__main__":
    sys.exit(main())
