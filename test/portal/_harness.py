"""Start the simulator as a subprocess on port 0 and talk to it (used by the tests and the load script)."""
import gzip
import http.client
import json
import os
import select
import subprocess
import sys
import time
import urllib.parse

SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "server.py")


class SimServer:
    def __init__(self, *args, lifetime=600):
        self.args = list(args)
        self.lifetime = lifetime
        self.proc = None
        self.port = None

    def start(self, timeout=30):
        self.proc = subprocess.Popen([sys.executable, SERVER, "--port", "0", "--lifetime", str(self.lifetime)]
                                     + self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + timeout
        line = b""
        while time.time() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                line = self.proc.stdout.readline()
                break
            if self.proc.poll() is not None:
                break
        if not line.startswith(b"listening on 127.0.0.1:"):
            err = self.proc.stderr.read().decode() if self.proc.poll() is not None else ""
            self.stop()
            raise RuntimeError("simulator did not start: %r %s" % (line, err))
        self.port = int(line.strip().rsplit(b":", 1)[1])
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc:
            for f in (self.proc.stdout, self.proc.stderr):
                try:
                    f.close()
                except Exception:
                    pass

    def conn(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, conn=None, timeout=30):
        """(status, headers dict lowercased, body bytes decoded from gzip if needed)."""
        own = conn is None
        c = conn or self.conn(timeout)
        try:
            h = dict(headers or {})
            if isinstance(body, dict):
                body = urllib.parse.urlencode(body)
                h.setdefault("Content-Type", "application/x-www-form-urlencoded")
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            hd = {k.lower(): v for k, v in r.getheaders()}
            if hd.get("content-encoding") == "gzip":
                data = gzip.decompress(data)
            return r.status, hd, data
        finally:
            if own:
                c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def json(self, path, method="GET", obj=None):
        body = json.dumps(obj) if obj is not None else None
        st, h, data = self.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else None)
        return st, json.loads(data.decode("utf-8"))

    def set_faults(self, spec, replace=True):
        st, out = self.json("/__sim/faults" + ("?replace=1" if replace else ""), "POST", spec)
        assert st == 200, out
        return out

    def clear_faults(self):
        return self.json("/__sim/faults", "DELETE")
