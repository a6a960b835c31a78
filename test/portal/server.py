#!/usr/bin/env python3
"""realmap portal simulator: the CG RERA portal, Nominatim and Overpass on one loopback port.

    python3 test/portal/server.py --port 0 --lifetime 60 [--captcha server] [--nominatim-strict]
                                  [--latency-ms 50 --jitter-ms 20] [--fault detail:error_rate=0.1] ...
    python3 test/portal/server.py --write-truth DIR

Prints "listening on 127.0.0.1:PORT" (flushed) once it accepts connections, and exits by itself
when --lifetime seconds have passed. See README.md in this folder for every flag and endpoint.
Python 3 standard library only; one process, asyncio.
"""
import argparse
import asyncio
import email.utils
import hashlib
import json
import os
import signal
import socket
import struct
import sys
import time
import urllib.parse
import zlib
from collections import deque

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if __package__ in (None, ""):
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from test.portal import captcha as captcha_mod  # noqa: E402
    from test.portal import detail as detail_mod  # noqa: E402
    from test.portal import listing as listing_mod  # noqa: E402
    from test.portal import services  # noqa: E402
    from test.portal import world as world_mod  # noqa: E402
else:
    from . import captcha as captcha_mod
    from . import detail as detail_mod
    from . import listing as listing_mod
    from . import services
    from . import world as world_mod

ENDPOINTS = ("listing", "detail", "documents", "captcha", "nominatim", "overpass", "other")
FAULT_KEYS = {
    "latency_ms": float, "jitter_ms": float,
    "error_rate": float, "error_status": int,
    "rate_429": float, "retry_after": int,
    "reset_rate": float, "truncate_rate": float,
    "drip_rate": float, "drip_bytes": int, "drip_interval_ms": float,
    "garbage_rate": float,
    "oversize_rate": float, "oversize_bytes": int,
    "redirect_rate": float, "redirect_to": str,
    "times": int,
    "require_header": str,
    "match": lambda v: [str(x) for x in v] if isinstance(v, list) else [str(v)],
}
FAULT_DEFAULTS = {"error_status": 503, "retry_after": 2, "drip_bytes": 512, "drip_interval_ms": 100.0,
                  "oversize_bytes": 64 * 1024 * 1024, "redirect_to": "http://portal-mirror.invalid"}
# the order in which a request's single draw picks a fault
FAULT_ORDER = ("reset_rate", "garbage_rate", "rate_429", "error_rate", "redirect_rate", "truncate_rate",
               "oversize_rate", "drip_rate")
REASONS = {200: "OK", 100: "Continue", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 413: "Payload Too Large", 429: "Too Many Requests",
           431: "Request Header Fields Too Large", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}

IIS_ERROR = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>
<title>%(code)d - %(title)s</title>
</head>
<body>
<div id="header"><h1>Server Error</h1></div>
<div id="content">
 <div class="content-container"><fieldset>
  <h2>%(code)d - %(title)s</h2>
  <h3>%(text)s</h3>
 </fieldset></div>
</div>
</body>
</html>
"""
ASPNET_ERROR = """<!DOCTYPE html>
<html>
    <head>
        <title>Runtime Error</title>
        <meta name="viewport" content="width=device-width" />
    </head>
    <body bgcolor="white">
            <span><H1>Server Error in '/' Application.<hr width=100%% size=1 color=silver></H1>
            <h2> <i>Runtime Error</i> </h2></span>
            <font face="Arial, Helvetica, Geneva, SunSans-Regular, sans-serif ">
            <b> Description: </b>An application error occurred on the server. The current custom error settings for this application prevent the details of the application error from being viewed remotely (for security reasons).
            <br><br>
    </body>
</html>
<!--
[%(exc)s]: %(msg)s
-->
"""


def now_http_date(_cache=[0, b""]):
    t = int(time.time())
    if t != _cache[0]:
        _cache[0] = t
        _cache[1] = email.utils.formatdate(t, usegmt=True).encode()
    return _cache[1]


def gzip_bytes(data, level=None):
    if level is None:
        level = 6 if len(data) < 1 << 20 else 1
    z = zlib.compressobj(level, zlib.DEFLATED, 31)
    return z.compress(data) + z.flush()


def minimal_pdf(title):
    text = title.encode("latin-1", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 14 Tf 50 780 Td (" + text[:120] + b") Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = b"%PDF-1.4\n"
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    return out


class Response:
    __slots__ = ("status", "headers", "body", "gz", "gz_level", "cacheable")

    def __init__(self, status=200, body=b"", ctype="text/html; charset=utf-8", headers=None, gz=None,
                 gz_level=None):
        self.status = status
        self.body = body
        self.headers = [(b"Content-Type", ctype.encode())] + (headers or [])
        self.gz = gz  # precomputed gzip body, if any
        self.gz_level = gz_level  # zlib level for gzipping body (None: gzip_bytes' default)


class Closed(Exception):
    """Raised by a fault that has already ended the connection."""


class Stats:
    def __init__(self):
        self.reset()

    def reset(self, keep_current=0):
        self.by_path = {}
        self.by_endpoint = {}
        self.total = 0
        self.events = deque(maxlen=200000)
        self.peak_connections = keep_current
        self.peak_inflight = {}
        self.started = time.time()

    def record(self, endpoint, path, status, t0, t1, client, fault=None):
        st = str(status)
        self.by_path.setdefault(path, {})
        self.by_path[path][st] = self.by_path[path].get(st, 0) + 1
        self.by_endpoint.setdefault(endpoint, {})
        self.by_endpoint[endpoint][st] = self.by_endpoint[endpoint].get(st, 0) + 1
        self.total += 1
        self.events.append((t0, endpoint, path, status, client, round((t1 - t0) * 1000, 2), fault))


class Sim:
    def __init__(self, args):
        self.args = args
        self.world = world_mod.get_world()
        self.secret = hashlib.sha256(b"realmap-sim-secret:%d" % args.fault_seed).digest()
        self.listing = listing_mod.Listing(self.world, self.secret, args.viewstate_kb)
        self.nominatim = services.Nominatim(self.world)
        self.overpass = services.Overpass(self.world, args.overpass_max_radius)
        self.details = {}  # app_id -> (raw bytes, gzip bytes, truth, files)
        self.captcha_mode = args.captcha
        self.nominatim_strict = args.nominatim_strict
        self.nominatim_min_interval = args.nominatim_min_interval
        self.nominatim_last = {}
        self.faults = {}
        self.fault_counters = {}
        for spec in args.fault or []:
            ep, _, kv = spec.partition(":")
            d = {}
            for item in filter(None, kv.split(",")):
                k, _, v = item.partition("=")
                d[k.strip()] = v.strip()
            self.set_fault(ep.strip(), d)
        if args.latency_ms or args.jitter_ms:
            star = dict(self.faults.get("*", {}))
            star.update({"latency_ms": args.latency_ms, "jitter_ms": args.jitter_ms})
            self.set_fault("*", star)
        self.stats = Stats()
        self.connections = 0
        self.inflight = {}
        self.sessions = {}
        self.session_counter = 0
        self.captcha_latest = None
        self.started = time.time()
        self.deadline = self.started + args.lifetime
        self.writers = set()

    # ------------------------------------------------------------------ faults
    def set_fault(self, endpoint, spec):
        if endpoint != "*" and endpoint not in ENDPOINTS:
            raise ValueError("unknown endpoint %r (use one of %s or *)" % (endpoint, ", ".join(ENDPOINTS)))
        if not spec:
            self.faults.pop(endpoint, None)
            return
        clean = {}
        for k, v in spec.items():
            if k not in FAULT_KEYS:
                raise ValueError("unknown fault key %r (known: %s)" % (k, ", ".join(sorted(FAULT_KEYS))))
            clean[k] = FAULT_KEYS[k](v)
            if k.endswith("_rate") or k == "rate_429":
                if not 0.0 <= clean[k] <= 1.0:
                    raise ValueError("%s must be within 0..1" % k)
        self.faults[endpoint] = clean
        self.fault_counters[endpoint] = 0

    def effective_fault(self, endpoint):
        star = self.faults.get("*")
        own = self.faults.get(endpoint)
        if not star and not own:
            return None, None
        spec = dict(FAULT_DEFAULTS)
        if star:
            spec.update(star)
        if own:
            spec.update(own)
        return spec, (endpoint if own else "*")

    def draw_fault(self, endpoint, request_text=""):
        """(spec, fault name or None) for one request; consumes 'times' budgets.
        A spec with 'match' applies only to requests whose decoded target and body
        contain that text, or one of those texts (a project's coordinates, a place name)."""
        spec, owner = self.effective_fault(endpoint)
        if spec is None:
            return None, None
        if spec.get("match") and not any(m in request_text for m in spec["match"]):
            return None, None
        n = self.fault_counters.get(owner, 0)
        self.fault_counters[owner] = n + 1
        h = hashlib.sha256(b"%d:%s:%d" % (self.args.fault_seed, endpoint.encode(), n)).digest()
        u = int.from_bytes(h[:8], "big") / 2.0 ** 64
        chosen = None
        acc = 0.0
        for k in FAULT_ORDER:
            acc += spec.get(k, 0.0) or 0.0
            if u < acc:
                chosen = k[:-5] if k.endswith("_rate") else "429"
                break
        src = self.faults.get(owner) or {}
        if "times" in src and (chosen or spec.get("latency_ms") or spec.get("jitter_ms")):
            src["times"] = src.get("times", 0) - 1
            if src["times"] <= 0:
                self.faults.pop(owner, None)
            if src["times"] < 0:
                return None, None
        return spec, chosen

    # ------------------------------------------------------------------ sessions and captcha
    def session(self, headers):
        cookie = headers.get("cookie", "")
        for part in cookie.split(";"):
            k, _, v = part.strip().partition("=")
            if k == "ASP.NET_SessionId" and v:
                if v not in self.sessions:
                    self.sessions[v] = {"captcha": None}
                return v, False
        self.session_counter += 1
        raw = hashlib.sha256(b"sid:%d:%d" % (self.args.fault_seed, self.session_counter)).digest()
        sid = "".join("abcdefghijklmnopqrstuvwxyz012345"[b % 32] for b in raw[:24])
        self.sessions[sid] = {"captcha": None}
        return sid, True

    def new_captcha(self, sid):
        s = self.sessions[sid]
        s["n"] = s.get("n", 0) + 1
        code = captcha_mod.new_code(world_mod.seeded("captcha", self.args.fault_seed, sid, s["n"]))
        s["captcha"] = code
        self.captcha_latest = (sid, code)
        return code

    def captcha_widget(self, sid):
        if self.captcha_mode != "server":
            return None
        self.new_captcha(sid)
        n = self.sessions[sid]["n"]
        return ('<div><img id="ContentPlaceHolder1_imgCaptcha" src="CaptchaImage.ashx?v=%d" alt="Security Code" '
                'style="border:1px solid silver;" /></div>' % n)

    # ------------------------------------------------------------------ detail cache
    def detail(self, app_id):
        hit = self.details.get(app_id)
        if hit is None:
            r = detail_mod.build_detail(self.world, app_id)
            if r is None:
                return None
            html_s, truth, files = r
            raw = html_s.encode("utf-8")
            hit = (raw, gzip_bytes(raw), truth, files)
            self.details[app_id] = hit
        return hit

    def truth_for_reg(self, reg):
        w = self.world
        if reg not in w.by_reg:
            return None
        p, row = w.by_reg[reg]
        app = w.app_of[reg]
        page_reg = w.page_owner[app]
        out = {"registration_number": reg, "has_own_page": page_reg == reg, "application_id": app,
               "page_registration_number": page_reg, "listing": w.listing_truth(row)}
        if page_reg == reg:
            out.update(self.detail(app)[2])
        else:
            out["detail_path"] = "/Promoter_Reg_Only_View_Application_new.aspx?MyID=" + world_mod.my_id_for(app)
        return out

    # ------------------------------------------------------------------ routing
    def classify(self, path):
        lp = path.lower()
        if lp == "/approved_project_list.aspx":
            return "listing"
        if lp in ("/promoter_reg_only_view_application_new.aspx", "/contractor_reg_only_view_application_new.aspx.aspx"):
            return "detail"
        if lp.startswith("/content/projectdocuments/"):
            return "documents"
        if lp == "/captchaimage.ashx":
            return "captcha"
        if lp in ("/search", "/search.php"):
            return "nominatim"
        if lp == "/api/interpreter":
            return "overpass"
        return "other"

    def not_found(self):
        return Response(404, (IIS_ERROR % {"code": 404, "title": "File or directory not found.",
                                           "text": "The resource you are looking for might have been removed, had its "
                                                   "name changed, or is temporarily unavailable."}).encode())

    def runtime_error(self, exc, msg):
        return Response(500, (ASPNET_ERROR % {"exc": exc, "msg": msg}).encode())

    def portal_headers(self, sid=None, new=False):
        h = [(b"Cache-Control", b"private"), (b"Server", b"Microsoft-IIS/10.0"),
             (b"X-AspNet-Version", b"4.0.30319"), (b"X-Powered-By", b"ASP.NET")]
        if new and sid:
            h.append((b"Set-Cookie", b"ASP.NET_SessionId=%s; path=/; HttpOnly; SameSite=Lax" % sid.encode()))
        return h

    def handle_listing(self, method, query, headers, body):
        sid, new = self.session(headers)
        hdrs = self.portal_headers(sid, new)
        if method not in ("GET", "HEAD", "POST"):
            return Response(405, b"Method Not Allowed", "text/plain", hdrs)
        form = {}
        if method == "POST":
            ctype = headers.get("content-type", "")
            if "multipart/form-data" in ctype:
                return self.runtime_error("HttpException", "multipart/form-data is not expected here")
            form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        target = form.get("__EVENTTARGET", "")
        is_postback = method == "POST" and ("__VIEWSTATE" in form or target)
        if not is_postback:
            page, _ = self.listing.render(sid, {}, captcha_widget=self.captcha_widget(sid))
            return Response(200, page, headers=hdrs)
        try:
            filt = self.listing.check_viewstate(form.get("__VIEWSTATE", ""), form.get("__EVENTVALIDATION", ""))
        except ValueError as e:
            if str(e) == "eventvalidation":
                return self.runtime_error("ArgumentException", "Invalid postback or callback argument.")
            return self.runtime_error("ViewStateException", "The state information is invalid for this page and "
                                                            "might be corrupted.")
        cp = "ctl00$ContentPlaceHolder1$"
        posted = {"district": form.get(cp + "District_Name", "0") or "0", "tehsil": form.get(cp + "Tehsil_Name", "0") or "0",
                  "status": form.get(cp + "ApplicantType", "0") or "0", "type": form.get(cp + "DropDownList2", "0") or "0",
                  "promoter": form.get(cp + "txt_promoter_name", ""), "name": form.get(cp + "txt_proj_name", ""),
                  "reg": form.get(cp + "TextBox4", "")}
        if target.startswith(listing_mod.GV):
            rest = target[len(listing_mod.GV):]
            ctl, _, what = rest.partition("$")
            rows = self.world.filter_rows(filt)
            try:
                idx = int(ctl[3:]) - 2
                if not ctl.startswith("ctl") or idx < 0:
                    raise ValueError
                row = rows[idx]
            except (ValueError, IndexError):
                return self.runtime_error("ArgumentOutOfRangeException", "Index was out of range.")
            app = self.world.app_of[row["registration_number"]]
            if what == "lnk_View":
                raw, gz, _, _ = self.detail(app)
                return Response(200, raw, headers=hdrs, gz=gz)
            if what == "lnk_View_map":
                return Response(200, self.listing.map_page(row), headers=hdrs)
            if what == "LinkButton1":
                _, _, truth, _ = self.detail(app)
                docs = [d for d in truth["v1"]["documents"] if d["document_type"] == "Reg_Certi"]
                if docs:
                    loc = docs[0]["url"].replace("../", "/")
                    return Response(302, b"<html><body>Object moved</body></html>", headers=hdrs + [(b"Location", loc.encode())])
                return self.runtime_error("FileNotFoundException", "Registration certificate not found.")
            return self.runtime_error("HttpException", "Unknown postback target.")
        if target == cp + "District_Name":
            posted["tehsil"] = "0"
            page, _ = self.listing.render(sid, filt, form=posted, captcha_widget=self.captcha_widget(sid))
            return Response(200, page, headers=hdrs)
        if cp + "Button2" in form:  # Reset
            page, _ = self.listing.render(sid, {}, captcha_widget=self.captcha_widget(sid))
            return Response(200, page, headers=hdrs)
        if cp + "Button1" in form:  # Search
            if self.captcha_mode == "server":
                want = self.sessions[sid].get("captcha")
                got = form.get(cp + "cpatchaTextBox", "")
                if not want or got != want:
                    page, _ = self.listing.render(sid, filt, form=posted, captcha_widget=self.captcha_widget(sid),
                                                  captcha_error=True, show_grid=False)
                    return Response(200, page, headers=hdrs)
            newf = {k: v for k, v in posted.items() if v and v != "0"}
            page, _ = self.listing.render(sid, newf, form=posted, captcha_widget=self.captcha_widget(sid))
            return Response(200, page, headers=hdrs)
        page, _ = self.listing.render(sid, filt, form=posted, captcha_widget=self.captcha_widget(sid))
        return Response(200, page, headers=hdrs)

    def handle_detail(self, path, query, headers):
        sid, new = self.session(headers)
        hdrs = self.portal_headers(sid, new)
        if path.lower().startswith("/contractor_"):
            return self.not_found()
        params = {k.lower(): v for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True)}
        my_id = params.get("myid")
        if my_id is None:
            return self.runtime_error("NullReferenceException", "Object reference not set to an instance of an object.")
        my_id = my_id.replace(" ", "+")
        app = world_mod.parse_my_id(my_id)
        if app is None:
            return self.runtime_error("FormatException", "The input is not a valid Base-64 string as it contains a "
                                                         "non-base 64 character.")
        d = self.detail(app)
        if d is None:
            return self.runtime_error("NullReferenceException", "Object reference not set to an instance of an object.")
        return Response(200, d[0], headers=hdrs, gz=d[1])

    def handle_document(self, path):
        parts = path.split("/")
        # /Content/ProjectDocuments/Application_<id>/<file>
        if len(parts) != 5 or not parts[3].startswith("Application_"):
            return self.not_found()
        try:
            app = int(parts[3][len("Application_"):])
        except ValueError:
            return self.not_found()
        hdrs = [(b"Server", b"Microsoft-IIS/10.0"), (b"Accept-Ranges", b"bytes")]
        if parts[4] == "":
            return Response(403, (IIS_ERROR % {"code": 403, "title": "Forbidden: Access is denied.",
                                               "text": "You do not have permission to view this directory or page."}).encode())
        d = self.detail(app) if app in self.world.page_owner else None
        if d is None or parts[4] not in d[3]:
            return self.not_found()
        kind, label = d[3][parts[4]]
        if kind == "pdf":
            return Response(200, minimal_pdf("%s - Application %d" % (label, app)), "application/pdf", hdrs)
        rng = world_mod.seeded("img", app, parts[4])
        return Response(200, captcha_mod.png("".join(rng.choice(captcha_mod.ALPHABET) for _ in range(3)), rng, 2),
                        "image/png", hdrs)

    def handle_nominatim(self, method, query, headers, client_ip):
        hdrs = [(b"Server", b"nginx"), (b"Access-Control-Allow-Origin", b"*")]
        if method not in ("GET", "HEAD"):
            return Response(405, b'{"error":{"code":405,"message":"Method not allowed"}}', "application/json", hdrs)
        if self.nominatim_strict:
            if not headers.get("user-agent"):
                return Response(403, b"<html><body><h1>Access blocked</h1><p>You have been blocked because you "
                                     b"did not send a valid User-Agent.</p></body></html>", headers=hdrs)
            t = time.monotonic()
            last = self.nominatim_last.get(client_ip)
            if last is not None and t - last < self.nominatim_min_interval - 0.05:
                return Response(429, b"<html><head><title>Bandwidth limit exceeded</title></head><body><h1>Bandwidth "
                                     b"limit exceeded</h1><p>You have been temporarily blocked because you have been "
                                     b"overusing OSM's geocoding service or because you have not provided sufficient "
                                     b"identification of your application.</p></body></html>",
                                headers=hdrs + [(b"Retry-After", b"1")])
            self.nominatim_last[client_ip] = t
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        fmt = params.get("format", "json")
        if fmt not in ("json", "jsonv2"):
            return Response(400, b'{"error":{"code":400,"message":"Parameter \'format\': only json and jsonv2 are '
                                 b'supported by this server."}}', "application/json; charset=utf-8", hdrs)
        try:
            limit = max(1, min(40, int(params.get("limit", "10"))))
        except ValueError:
            return Response(400, b'{"error":{"code":400,"message":"Integer expected for parameter \'limit\'"}}',
                            "application/json; charset=utf-8", hdrs)
        q = params.get("q", "")
        if not q:
            parts = [params.get(k) for k in ("street", "city", "county", "state", "postalcode", "country") if params.get(k)]
            q = ", ".join(parts)
        res = self.nominatim.search(q, params.get("addressdetails", "0") == "1", limit)
        if fmt == "jsonv2":
            res = [dict({("category" if k == "class" else k): v for k, v in r.items()}) for r in res]
        return Response(200, services.dumps(res), "application/json; charset=utf-8", hdrs)

    def handle_overpass(self, method, query, headers, body):
        hdrs = [(b"Server", b"Apache/2.4.18 (Ubuntu)"), (b"Access-Control-Allow-Origin", b"*")]
        if method == "POST":
            text = body.decode("utf-8", "replace")
            if "application/x-www-form-urlencoded" in headers.get("content-type", "") or text.startswith("data="):
                data = dict(urllib.parse.parse_qsl(text, keep_blank_values=True)).get("data")
            else:
                data = text
        elif method in ("GET", "HEAD"):
            data = dict(urllib.parse.parse_qsl(query, keep_blank_values=True)).get("data")
        else:
            return Response(405, b"", "text/plain", hdrs)
        if not data:
            return Response(400, services.overpass_error_html("line 1: parse error: no query given (form field 'data')")
                            .encode(), headers=hdrs)
        try:
            res = self.overpass.answer(data)  # the bytes of services.dumps(self.overpass.run(data))
        except services.OverpassError as e:
            return Response(e.status, services.overpass_error_html(str(e)).encode(), headers=hdrs)
        # an answer is some 200 kB of JSON, sent to a local client: gzip level 1 takes a third of
        # level 6's time (which was as much as the query itself) for 25 % more bytes
        return Response(200, res, "application/json", hdrs, gz_level=1)

    def handle_captcha_image(self, headers):
        sid, new = self.session(headers)
        code = self.sessions[sid].get("captcha")
        if self.captcha_mode != "server" or not code:
            return self.not_found()
        img = captcha_mod.png(code, world_mod.seeded("captcha-img", sid, code))
        return Response(200, img, "image/png", self.portal_headers(sid, new) + [(b"Cache-Control", b"no-cache, no-store")])

    # ------------------------------------------------------------------ control
    def control(self, method, path, query, body):
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        sub = path[len("/__sim/"):].strip("/")
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError:
            return self.jerr(400, "body is not JSON")
        if sub == "health":
            return self.json({"ok": True, "pid": os.getpid(), "port": self.args.port_bound,
                              "uptime_s": round(time.time() - self.started, 3),
                              "remaining_s": round(self.deadline - time.time(), 3),
                              "projects": len(self.world.rows), "pages": len(self.world.page_owner),
                              "cached_pages": len(self.details)})
        if sub == "config":
            if method == "POST":
                if "captcha" in data:
                    if data["captcha"] not in ("client", "server"):
                        return self.jerr(400, "captcha must be client or server")
                    self.captcha_mode = data["captcha"]
                if "nominatim_strict" in data:
                    self.nominatim_strict = bool(data["nominatim_strict"])
                if "nominatim_min_interval" in data:
                    self.nominatim_min_interval = float(data["nominatim_min_interval"])
            return self.json({"captcha": self.captcha_mode, "nominatim_strict": self.nominatim_strict,
                              "nominatim_min_interval": self.nominatim_min_interval,
                              "viewstate_kb": self.args.viewstate_kb, "fault_seed": self.args.fault_seed,
                              "overpass_max_radius": self.args.overpass_max_radius, "lifetime": self.args.lifetime})
        if sub == "faults":
            if method == "DELETE":
                self.faults.clear()
            elif method == "POST":
                if not isinstance(data, dict):
                    return self.jerr(400, "expected a JSON object {endpoint: spec}")
                try:
                    if params.get("replace") == "1":
                        self.faults.clear()
                    for ep, spec in data.items():
                        if spec is not None and not isinstance(spec, dict):
                            raise ValueError("spec of %r must be an object or null" % ep)
                        self.set_fault(ep, spec or {})
                except (ValueError, TypeError) as e:
                    return self.jerr(400, str(e))
            return self.json({"faults": self.faults, "endpoints": list(ENDPOINTS), "keys": sorted(FAULT_KEYS),
                              "defaults": FAULT_DEFAULTS})
        if sub == "stats/reset" or (sub == "stats" and method == "DELETE"):
            self.stats.reset(self.connections)
            self.inflight = {k: v for k, v in self.inflight.items() if v}
            return self.json({"ok": True})
        if sub == "stats":
            return self.json(self.stats_json(params))
        if sub == "truth":
            reg = params.get("reg")
            if reg:
                t = self.truth_for_reg(reg)
                return self.json(t) if t else self.jerr(404, "unknown registration number")
            app = params.get("app_id")
            if params.get("my_id"):
                app = world_mod.parse_my_id(params["my_id"])
            if app is not None and app != "":
                try:
                    d = self.detail(int(app))
                except ValueError:
                    d = None
                return self.json(d[2]) if d else self.jerr(404, "no page at that id")
            w = self.world
            return self.json({"projects": [{"registration_number": r["registration_number"],
                                            "application_id": w.app_of[r["registration_number"]],
                                            "my_id": world_mod.my_id_for(w.app_of[r["registration_number"]]),
                                            "page_registration_number": w.page_owner[w.app_of[r["registration_number"]]],
                                            "has_own_page": w.page_owner[w.app_of[r["registration_number"]]] == r["registration_number"]}
                                           for r in w.rows]})
        if sub == "captcha":
            sid = params.get("session")
            if sid:
                s = self.sessions.get(sid)
                if not s:
                    return self.jerr(404, "unknown session")
                return self.json({"session": sid, "answer": s.get("captcha"), "mode": self.captcha_mode})
            latest = {"session": self.captcha_latest[0], "answer": self.captcha_latest[1]} if self.captcha_latest else None
            return self.json({"mode": self.captcha_mode, "latest": latest,
                              "sessions": {k: v.get("captcha") for k, v in self.sessions.items() if v.get("captcha")}})
        if sub == "shutdown" and method == "POST":
            asyncio.get_event_loop().call_later(0.05, self.stop_event.set)
            return self.json({"ok": True})
        return self.jerr(404, "unknown control endpoint /__sim/%s" % sub)

    def stats_json(self, params):
        s = self.stats
        ts = params.get("timestamps", "1000")
        ep = params.get("endpoint")
        events = [e for e in s.events if not ep or e[1] == ep]
        if ts == "all":
            pass
        else:
            try:
                n = int(ts)
            except ValueError:
                n = 1000
            events = events[-n:] if n > 0 else []
        return {
            "since": s.started, "total_requests": s.total, "requests": s.by_path, "by_endpoint": s.by_endpoint,
            "peak_concurrent_connections": s.peak_connections, "current_connections": self.connections,
            "peak_inflight": s.peak_inflight, "current_inflight": {k: v for k, v in self.inflight.items() if v},
            "timestamps": [{"t": round(e[0], 6), "endpoint": e[1], "path": e[2], "status": e[3], "client": e[4],
                            "ms": e[5], "fault": e[6]} for e in events],
        }

    def json(self, obj, status=200):
        return Response(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def jerr(self, status, msg):
        return self.json({"error": msg}, status)

    # ------------------------------------------------------------------ HTTP plumbing
    async def handle_conn(self, reader, writer):
        self.writers.add(writer)
        peer = writer.get_extra_info("peername") or ("?", 0)
        client = "%s:%s" % (peer[0], peer[1])
        counted = False
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.LimitOverrunError:
                    writer.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    break
                except (asyncio.IncompleteReadError, ConnectionError):
                    break
                t0 = time.time()
                lines = head.decode("latin-1").split("\r\n")
                try:
                    method, target, version = lines[0].split(" ")
                except ValueError:
                    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    break
                headers = {}
                for ln in lines[1:]:
                    if ln:
                        k, _, v = ln.partition(":")
                        headers[k.strip().lower()] = v.strip()
                path, _, query = target.partition("?")
                if path.startswith("http://") or path.startswith("https://"):
                    path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
                is_ctl = path.startswith("/__sim/")
                if not is_ctl and not counted:
                    counted = True
                    self.connections += 1
                    if self.connections > self.stats.peak_connections:
                        self.stats.peak_connections = self.connections
                body = b""
                te = headers.get("transfer-encoding", "").lower()
                clen = headers.get("content-length")
                if headers.get("expect", "").lower() == "100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                if "chunked" in te:
                    chunks = []
                    while True:
                        size_line = await reader.readuntil(b"\r\n")
                        size = int(size_line.split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            await reader.readuntil(b"\r\n")
                            break
                        chunks.append(await reader.readexactly(size))
                        await reader.readexactly(2)
                    body = b"".join(chunks)
                elif clen:
                    n = int(clen)
                    if n > 64 * 1024 * 1024:
                        writer.write(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        break
                    body = await reader.readexactly(n)
                keep = (version == "HTTP/1.1" and headers.get("connection", "").lower() != "close") or \
                       (version == "HTTP/1.0" and headers.get("connection", "").lower() == "keep-alive")
                if is_ctl:
                    resp = self.control(method, path, query, body)
                    await self.send(writer, resp, headers, method, keep)
                    if not keep:
                        break
                    continue
                endpoint = self.classify(path)
                self.inflight[endpoint] = self.inflight.get(endpoint, 0) + 1
                if self.inflight[endpoint] > self.stats.peak_inflight.get(endpoint, 0):
                    self.stats.peak_inflight[endpoint] = self.inflight[endpoint]
                status = "?"
                fault = None
                try:
                    spec, fault = self.draw_fault(endpoint, urllib.parse.unquote_plus(
                        target + " " + body.decode("latin-1")) if self.faults else "")
                    if spec and (spec.get("latency_ms") or spec.get("jitter_ms")):
                        lat = spec.get("latency_ms", 0.0)
                        if spec.get("jitter_ms"):
                            h = hashlib.sha256(b"j%d:%d" % (self.stats.total, id(writer))).digest()
                            lat += spec["jitter_ms"] * int.from_bytes(h[:4], "big") / 2.0 ** 32
                        await asyncio.sleep(lat / 1000.0)
                    if spec and spec.get("require_header"):
                        # an API gateway: no answer without the credential
                        name, _, value = spec["require_header"].partition(":")
                        if headers.get(name.strip().lower()) != value.strip():
                            fault = "unauthorized"
                    if fault == "reset":
                        status = "reset"
                        self.reset(writer)
                        raise Closed()
                    if fault == "garbage":
                        status = "garbage"
                        rng = world_mod.seeded("garbage", self.stats.total)
                        writer.write(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + rng.randbytes(2048))
                        await writer.drain()
                        raise Closed()
                    if fault == "unauthorized":
                        resp = Response(401, b'{"error": "missing or wrong credential header"}',
                                        ctype="application/json")
                    elif fault == "429":
                        resp = Response(429, b"<html><body><h1>429 Too Many Requests</h1></body></html>",
                                        headers=[(b"Retry-After", str(spec["retry_after"]).encode())])
                    elif fault == "error":
                        code = spec["error_status"]
                        resp = Response(code, (IIS_ERROR % {"code": code, "title": REASONS.get(code, "Error"),
                                                            "text": "The server encountered a temporary error."}).encode())
                    elif fault == "redirect":
                        loc = spec["redirect_to"].rstrip("/") + target
                        resp = Response(302, b"<html><body>Object moved to <a href=\"%s\">here</a>.</body></html>"
                                        % loc.encode(), headers=[(b"Location", loc.encode())])
                    else:
                        resp = self.dispatch(endpoint, method, path, query, headers, body, peer[0])
                    status = resp.status
                    if fault == "truncate":
                        await self.send(writer, resp, headers, method, True, truncate=True)
                        raise Closed()
                    if fault == "oversize":
                        await self.send_oversize(writer, spec["oversize_bytes"])
                    elif fault == "drip":
                        await self.send(writer, resp, headers, method, keep, drip=(spec["drip_bytes"],
                                                                                   spec["drip_interval_ms"]))
                    else:
                        await self.send(writer, resp, headers, method, keep)
                finally:
                    self.inflight[endpoint] -= 1
                    self.stats.record(endpoint, path, status, t0, time.time(), client, fault)
                    if self.args.log:
                        sys.stderr.write("%s %s %s %s %s\n" % (client, method, target[:120], status, fault or ""))
                if not keep:
                    break
        except Closed:
            pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            pass
        except Exception as e:  # a bug must not take the simulator down
            sys.stderr.write("simulator error: %r\n" % (e,))
            import traceback
            traceback.print_exc()
        finally:
            if counted:
                self.connections -= 1
            self.writers.discard(writer)
            try:
                writer.close()
            except Exception:
                pass

    def reset(self, writer):
        sock = writer.get_extra_info("socket")
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        writer.transport.abort()

    def dispatch(self, endpoint, method, path, query, headers, body, client_ip):
        if endpoint == "listing":
            return self.handle_listing(method, query, headers, body)
        if endpoint == "detail":
            return self.handle_detail(path, query, headers)
        if endpoint == "documents":
            return self.handle_document(path)
        if endpoint == "captcha":
            return self.handle_captcha_image(headers)
        if endpoint == "nominatim":
            return self.handle_nominatim(method, query, headers, client_ip)
        if endpoint == "overpass":
            return self.handle_overpass(method, query, headers, body)
        if path == "/" or path.lower() == "/default.aspx":
            return Response(302, b"", headers=[(b"Location", b"/Approved_project_List.aspx")])
        return self.not_found()

    async def send(self, writer, resp, req_headers, method, keep, truncate=False, drip=None):
        body = resp.body
        hdrs = resp.headers
        ae = req_headers.get("accept-encoding", "")
        gz = False
        if len(body) > 512 and "gzip" in ae and "gzip;q=0" not in ae.replace(" ", "") and \
                (resp.headers[0][1].startswith(b"text/") or b"json" in resp.headers[0][1]):
            body = resp.gz if resp.gz is not None else gzip_bytes(body, resp.gz_level)
            gz = True
        out = [b"HTTP/1.1 %d %s\r\n" % (resp.status, REASONS.get(resp.status, "Status").encode())]
        for k, v in hdrs:
            out.append(k + b": " + v + b"\r\n")
        if gz:
            out.append(b"Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n")
        out.append(b"Date: " + now_http_date() + b"\r\nContent-Length: %d\r\n" % len(body))
        out.append(b"Connection: keep-alive\r\n\r\n" if keep else b"Connection: close\r\n\r\n")
        head = b"".join(out)
        if method == "HEAD":
            body = b""
        if truncate:
            writer.write(head + body[:max(0, len(body) // 2)])
            await writer.drain()
            writer.transport.abort()
            return
        if drip:
            data = head + body
            step, interval = max(1, drip[0]), drip[1] / 1000.0
            for i in range(0, len(data), step):
                if i:
                    await asyncio.sleep(interval)
                writer.write(data[i:i + step])
                await writer.drain()
            return
        writer.write(head)
        writer.write(body)
        if writer.transport.get_write_buffer_size() > 256 * 1024:
            await writer.drain()

    async def send_oversize(self, writer, n):
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n" % n)
        chunk = (b"<!-- oversize filler -->" * 2731)[:65536]
        sent = 0
        while sent < n:
            k = min(len(chunk), n - sent)
            writer.write(chunk[:k])
            sent += k
            await writer.drain()
        raise Closed()

    async def warm_cache(self):
        """Render every detail page in the background, a few at a time between requests."""
        for k, app in enumerate(self.world.apps()):
            self.detail(app)
            if k % 8 == 7:
                await asyncio.sleep(0)

    # ------------------------------------------------------------------ main
    async def run(self):
        self.stop_event = asyncio.Event()
        server = await asyncio.start_server(self.handle_conn, "127.0.0.1", self.args.port, backlog=2048,
                                            limit=256 * 1024, reuse_address=True)
        self.args.port_bound = server.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, self.stop_event.set)
            except (NotImplementedError, RuntimeError):
                pass
        sys.stdout.write("listening on 127.0.0.1:%d\n" % self.args.port_bound)
        sys.stdout.flush()
        if self.args.warm:
            loop.create_task(self.warm_cache())
        try:
            await asyncio.wait_for(self.stop_event.wait(), timeout=max(0.0, self.deadline - time.time()))
        except asyncio.TimeoutError:
            pass
        server.close()
        for w in list(self.writers):
            try:
                w.transport.abort()
            except Exception:
                pass
        try:
            await asyncio.wait_for(server.wait_closed(), 2.0)
        except (asyncio.TimeoutError, Exception):
            pass


def write_truth(directory):
    """One JSON file per detail page (<registration>.json), plus index.json and listing.json."""
    os.makedirs(directory, exist_ok=True)
    w = world_mod.get_world()
    index = []
    for app in w.apps():
        html_s, truth, files = detail_mod.build_detail(w, app)
        reg = truth["registration_number"]
        with open(os.path.join(directory, reg + ".json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(truth, ensure_ascii=False, sort_keys=True))
    for r in w.rows:
        reg = r["registration_number"]
        app = w.app_of[reg]
        index.append({"registration_number": reg, "application_id": app, "my_id": world_mod.my_id_for(app),
                      "page_registration_number": w.page_owner[app], "has_own_page": w.page_owner[app] == reg,
                      "truth_file": w.page_owner[app] + ".json"})
    with open(os.path.join(directory, "index.json"), "w", encoding="utf-8") as f:
        json.dump(index, f, ensure_ascii=False, indent=1)
    with open(os.path.join(directory, "listing.json"), "w", encoding="utf-8") as f:
        json.dump([w.listing_truth(r) for r in w.rows], f, ensure_ascii=False, indent=1)
    return len(w.apps())


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="realmap portal simulator (CG RERA portal, Nominatim, Overpass)")
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 picks a free one (default 0)")
    ap.add_argument("--lifetime", type=float, default=300.0, help="seconds until the server exits by itself (default 300)")
    ap.add_argument("--captcha", choices=("client", "server"), default="client",
                    help="client: like the real site, no server check; server: Search needs the right answer")
    ap.add_argument("--nominatim-strict", action="store_true",
                    help="answer 429 to a client IP's Nominatim request less than the minimum interval after its "
                         "previous accepted one, and 403 without a User-Agent")
    ap.add_argument("--nominatim-min-interval", type=float, default=1.0, help="seconds (default 1.0)")
    ap.add_argument("--latency-ms", type=float, default=0.0, help="fixed latency for every non-control request")
    ap.add_argument("--jitter-ms", type=float, default=0.0, help="extra uniform random latency 0..N ms")
    ap.add_argument("--fault", action="append", metavar="ENDPOINT:key=value,...",
                    help="a fault spec at start, e.g. detail:error_rate=0.2,error_status=502 (repeatable)")
    ap.add_argument("--fault-seed", type=int, default=0, help="seed of fault draws, session ids, CAPTCHA codes")
    ap.add_argument("--viewstate-kb", type=float, default=1300.0,
                    help="__VIEWSTATE size for the full listing in KiB, scaled by result rows (default 1300, as real)")
    ap.add_argument("--overpass-max-radius", type=int, default=25000, help="largest around: radius in metres")
    ap.add_argument("--prerender", action="store_true", help="render and compress every detail page before listening")
    ap.add_argument("--warm", action="store_true",
                    help="render and compress every detail page in the background after listening")
    ap.add_argument("--log", action="store_true", help="log every request to stderr")
    ap.add_argument("--write-truth", metavar="DIR", help="write the ground truth JSON files to DIR and exit")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.write_truth:
        n = write_truth(args.write_truth)
        print("wrote %d truth files to %s" % (n, args.write_truth))
        return 0
    sim = Sim(args)
    if args.prerender:
        for app in sim.world.apps():
            sim.detail(app)
    asyncio.run(sim.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
