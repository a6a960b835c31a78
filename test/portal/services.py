"""Nominatim (/search) and Overpass (/api/interpreter) emulations, built on the real project data."""
import json
import math
import re

from .world import seeded, stable_u64

LICENCE = "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright"
HQ_PINS = {"Raipur": "492001", "Bilaspur": "495001", "Durg": "491001", "Rajnandgaon": "491441",
           "Raigarh": "496001", "Korba": "495677", "Bastar": "494001", "Surguja": "497001"}


def haversine_m(lat1, lon1, lat2, lon2):
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def _key(s):
    return re.sub(r"[^a-z0-9]", "", s.lower())


class Nominatim:
    def __init__(self, world):
        self.w = world
        self.samples = {_q(x["query"]): x["response"] for x in world.nominatim_samples}
        self.districts = {_key(d): d for d in world.districts_geo}
        self.tehsils = {}
        for (d, t) in world.tehsils_geo:
            self.tehsils.setdefault(_key(t), []).append((d, t))
        self.localities = {}
        for (d, lk), g in world.localities_geo.items():
            self.localities.setdefault(d, {})[_key(g["name"])] = g

    def _pin(self, district, tehsil):
        if tehsil == district and district in HQ_PINS:
            return HQ_PINS[district]
        return "49%04d" % (stable_u64("pin", district, tehsil) % 10000)

    def _hit(self, kind, name, lat, lon, district, tehsil, addressdetails, extra_town=None):
        rank = {"city": 16, "town": 18, "village": 19, "suburb": 20, "state_district": 12, "state": 8}[kind]
        span = {"city": 0.16, "town": 0.04, "village": 0.02, "suburb": 0.01, "state_district": 0.5, "state": 3.0}[kind]
        cls, typ = ("boundary", "administrative") if kind in ("state_district", "state") else ("place", kind)
        pid = 200000000 + stable_u64("place", kind, district, tehsil, name) % 50000000
        osm_type = "relation" if cls == "boundary" else "node"
        osm_id = (1900000 + stable_u64("osm", name, district) % 100000) if osm_type == "relation" else \
            (3000000000 + stable_u64("osm", kind, name, district) % 8000000000)
        pin = self._pin(district, tehsil) if district else None
        addr = {}
        if kind == "suburb":
            addr["suburb"] = name
            addr[extra_town[0]] = extra_town[1]
        elif kind in ("city", "town", "village"):
            addr[kind] = name
        if tehsil:
            addr["county"] = "%s Tahsil" % tehsil
        if district and kind != "state":
            addr["state_district"] = district
        addr["state"] = "Chhattisgarh"
        addr["ISO3166-2-lvl4"] = "IN-CG"
        if pin and kind not in ("state", "state_district"):
            addr["postcode"] = pin
        addr["country"] = "India"
        addr["country_code"] = "in"
        disp = [name] + [v for k, v in addr.items() if k not in (kind, "ISO3166-2-lvl4", "country_code")]
        out = {
            "place_id": pid, "licence": LICENCE, "osm_type": osm_type, "osm_id": osm_id,
            "lat": "%.7f" % lat, "lon": "%.7f" % lon, "class": cls, "type": typ, "place_rank": rank,
            "importance": round(0.6 - rank / 50.0 + (stable_u64("imp", name) % 1000) / 100000.0, 15),
            "addresstype": kind, "name": name, "display_name": ", ".join(disp),
        }
        if addressdetails:
            out["address"] = addr
        out["boundingbox"] = ["%.7f" % (lat - span), "%.7f" % (lat + span), "%.7f" % (lon - span), "%.7f" % (lon + span)]
        return out

    def search(self, q, addressdetails=True, limit=1):
        """The list Nominatim would answer for q (at most limit elements)."""
        if not q or not q.strip():
            return []
        qq = _q(q)
        if qq in self.samples:
            r = dict(self.samples[qq])
            if not addressdetails:
                r.pop("address", None)
            return [r][:limit]
        parts = [p.strip() for p in q.split(",") if p.strip()]
        words = []
        for p in parts:
            k = _key(p)
            if k in ("india", "chhattisgarh", "cg", "chattisgarh") or re.fullmatch(r"\d{5,6}", k):
                continue
            words.append(p)
        if not words:
            if any(_key(p) == "chhattisgarh" for p in parts):
                return [self._hit("state", "Chhattisgarh", 21.6637359, 81.8406351, None, None, addressdetails)][:limit]
            return []
        district = None
        rest = []
        for p in reversed(words):
            k = _key(re.sub(r"(?i)^(district|dist\.?|zila)\s*", "", p))
            if district is None and k in self.districts:
                district = self.districts[k]
            else:
                rest.insert(0, p)
        tehsil = None
        rest2 = []
        for p in reversed(rest):
            k = _key(re.sub(r"(?i)^(tehsil|tahsil|tah\.?|tahsildar)\s*", "", p))
            cands = self.tehsils.get(k, [])
            if district:
                cands = [c for c in cands if c[0] == district]
            if tehsil is None and len(cands) == 1:
                tehsil = cands[0]
            else:
                rest2.insert(0, p)
        if tehsil and not district:
            district = tehsil[0]
        if district is None and tehsil is None:
            return []
        # every remaining part (an address line, a locality) must name a known locality of the
        # district (a word of it is enough); a part that names nothing known gives [] as Nominatim does
        locs = self.localities.get(district, {})
        found = None
        for p in rest2:
            hit = None
            for word in re.findall(r"[A-Za-z]+", p):
                g = locs.get(_key(word))
                if g and (tehsil is None or g["tehsil"] == tehsil[1]):
                    hit = g
                    break
            if hit is None:
                return []
            found = found or hit
        if found:
            g = found
            t = g["tehsil"]
            tg = self.w.tehsils_geo[(district, t)]
            town_kind = "city" if t == district else ("town" if tg["count"] >= 5 else "village")
            return [self._hit("suburb", g["name"], g["centre"][0], g["centre"][1], district, t,
                              addressdetails, (town_kind, t))][:limit]
        if tehsil:
            d, t = tehsil
            g = self.w.tehsils_geo[(d, t)]
            kind = "city" if _key(t) == _key(d) else ("town" if g["count"] >= 5 else "village")
            return [self._hit(kind, t, g["centre"][0], g["centre"][1], d, t, addressdetails)][:limit]
        g = self.w.districts_geo[district]
        if (district, district) in self.w.tehsils_geo:
            tg = self.w.tehsils_geo[(district, district)]
            return [self._hit("city", district, tg["centre"][0], tg["centre"][1], district, district,
                              addressdetails)][:limit]
        return [self._hit("state_district", district, g["centre"][0], g["centre"][1], district, None,
                          addressdetails)][:limit]


def _q(s):
    return ",".join(_key(p) for p in s.split(",") if p.strip())


# ---------------------------------------------------------------------------------------------- Overpass

# expected POIs per 0.01° cell at the centre of a big town, and the floor in open country
RATES = {
    ("amenity", "school"): (3.0, 0.25), ("amenity", "college"): (0.4, 0.01), ("amenity", "university"): (0.05, 0.0),
    ("amenity", "hospital"): (0.6, 0.01), ("amenity", "clinic"): (1.2, 0.02), ("amenity", "doctors"): (0.8, 0.01),
    ("amenity", "pharmacy"): (2.5, 0.03), ("shop", "supermarket"): (0.8, 0.0), ("shop", "convenience"): (3.0, 0.08),
    ("shop", "grocery"): (1.5, 0.05), ("shop", "mall"): (0.1, 0.0), ("amenity", "bank"): (1.5, 0.02),
    ("amenity", "atm"): (2.0, 0.02), ("amenity", "restaurant"): (3.0, 0.03), ("amenity", "cafe"): (1.5, 0.01),
    ("amenity", "fast_food"): (2.0, 0.02), ("leisure", "park"): (1.0, 0.01), ("leisure", "playground"): (0.6, 0.01),
    ("public_transport", "station"): (0.1, 0.0), ("public_transport", "stop_position"): (1.5, 0.02),
    ("railway", "station"): (0.03, 0.002), ("railway", "halt"): (0.02, 0.003), ("highway", "bus_stop"): (2.5, 0.05),
    ("railway", "stop"): (0.02, 0.0), ("railway", "tram_stop"): (0.0, 0.0),
}
WAY_SHARE = {"school": 0.4, "college": 0.6, "university": 0.8, "hospital": 0.5, "park": 0.8, "playground": 0.5,
             "mall": 0.7, "supermarket": 0.3, "station": 0.3}
NAMES = {
    "school": ["Govt. Primary School", "Saraswati Shishu Mandir", "Delhi Public School", "Kendriya Vidyalaya",
               "Govt. Higher Secondary School", "St. Xavier's School", "DAV Public School", "Holy Cross School"],
    "college": ["Govt. College", "Disha College", "Kalinga College", "Shri Rawatpura Sarkar College"],
    "university": ["Pt. Ravishankar Shukla University", "Kalinga University", "Amity University"],
    "hospital": ["District Hospital", "Ramkrishna Care Hospital", "MMI Narayana Hospital", "Community Health Centre"],
    "clinic": ["Shri Clinic", "City Clinic", "Janta Clinic", "Primary Health Centre"],
    "doctors": ["Dr. Sharma", "Dr. Verma Clinic", "Dr. Agrawal"], "pharmacy": ["Apollo Pharmacy", "Jan Aushadhi Kendra",
                                                                                "Shri Medical Stores", "Gupta Medicals"],
    "supermarket": ["Reliance Smart", "D-Mart", "Big Bazaar", "Vishal Mega Mart"],
    "convenience": ["Kirana Store", "General Store", "Sahu Kirana"], "grocery": ["Grocery Mart", "Sabji Mandi"],
    "mall": ["City Centre Mall", "Magneto The Mall", "Ambuja Mall"], "bank": ["State Bank of India", "Bank of Baroda",
                                                                               "Punjab National Bank", "HDFC Bank"],
    "atm": ["SBI ATM", "HDFC ATM", "ICICI ATM", "Axis Bank ATM"], "restaurant": ["Hotel Sukhsagar", "Dhaba",
                                                                                  "Girnar Restaurant", "Barbeque Nation"],
    "cafe": ["Indian Coffee House", "Cafe Coffee Day", "Chai Sutta Bar"], "fast_food": ["Domino's", "Chaat Corner",
                                                                                        "Haldiram's", "Burger Point"],
    "park": ["Gandhi Udyan", "Nehru Park", "Oxyzone", "Marine Drive Park"], "playground": ["Khel Maidan", "Playground"],
    "station": ["Railway Station", "Bus Stand"], "stop_position": ["Bus Stop"], "halt": ["Halt"],
    "bus_stop": ["Bus Stop", "City Bus Stop"], "stop": ["Stop"], "tram_stop": ["Tram Stop"],
}
HINDI = {"school": "विद्यालय", "hospital": "अस्पताल", "park": "उद्यान", "bank": "बैंक", "bus_stop": "बस स्टॉप"}

CELL = 0.01


class OverpassError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


_CLAUSE = re.compile(
    r"""(nwr|node|way|relation|rel)\s*((?:\[\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_:]+)\s*(?:=\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_:.\-]+))?\s*\]\s*)+)"""
    r"""\(\s*around\s*:\s*([0-9.]+)\s*,\s*(-?[0-9.]+)\s*,\s*(-?[0-9.]+)\s*\)\s*;""", re.S)
_FILTER = re.compile(r"""\[\s*("[^"]*"|'[^']*'|[A-Za-z0-9_:]+)\s*(?:=\s*("[^"]*"|'[^']*'|[A-Za-z0-9_:.\-]+))?\s*\]""")


def _unq(s):
    return s[1:-1] if s and s[0] in "\"'" else s


def parse_query(q, max_radius):
    """Parse the supported subset; returns (settings, clauses, out_center). Raises OverpassError."""
    s = q.strip()
    settings = {}
    while s.startswith("["):
        m = re.match(r"\[\s*(out|timeout|maxsize|bbox|date)\s*:\s*([^\]]*)\]", s)
        if not m:
            raise OverpassError("line 1: parse error: Unknown setting '%s'" % s[:30])
        settings[m.group(1)] = m.group(2).strip()
        s = s[m.end():].lstrip()
    if s.startswith(";"):
        s = s[1:].lstrip()
    if settings.get("out") != "json":
        raise OverpassError("line 1: static error: only [out:json] is supported by this server")
    if "timeout" in settings and not settings["timeout"].isdigit():
        raise OverpassError("line 1: parse error: timeout must be a number")
    m = re.search(r"out(\s+[a-z]+)*\s*;\s*$", s)
    if not m:
        raise OverpassError("line 1: parse error: expected an 'out' statement at the end of the query")
    out_words = m.group(0).replace(";", "").split()[1:]
    body = s[:m.start()].strip()
    if body.startswith("(") and body.endswith(");"):
        body = body[1:-2].strip()
    elif body.startswith("(") and body.endswith(")"):
        body = body[1:-1].strip()
    clauses = []
    pos = 0
    while pos < len(body):
        while pos < len(body) and body[pos] in " \t\r\n":
            pos += 1
        if pos >= len(body):
            break
        mm = _CLAUSE.match(body, pos)
        if not mm:
            raise OverpassError("line 1: parse error: unsupported statement near '%s'" % body[pos:pos + 40])
        typ = {"rel": "relation"}.get(mm.group(1), mm.group(1))
        filters = [(_unq(k), _unq(v) if v is not None else None) for k, v in _FILTER.findall(mm.group(2))]
        radius, lat, lon = float(mm.group(3)), float(mm.group(4)), float(mm.group(5))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise OverpassError("line 1: static error: coordinates out of range")
        if radius > max_radius:
            raise OverpassError("line 1: runtime error: around radius %.0f m exceeds this server's limit of %d m"
                                % (radius, max_radius))
        clauses.append({"type": typ, "filters": filters, "radius": radius, "lat": lat, "lon": lon})
        pos = mm.end()
    if not clauses:
        raise OverpassError("line 1: parse error: no query statement")
    return settings, clauses, "center" in out_words


class Overpass:
    def __init__(self, world, max_radius=25000):
        self.max_radius = max_radius
        self.towns = world.towns
        self._cache = {}
        self._urban = {}  # per cell: the same for every tag (computing it was most of a query's time)

    def urban(self, lat, lon):
        f = 0.0
        for t in self.towns:
            if abs(t["lat"] - lat) > 0.5 or abs(t["lon"] - lon) > 0.5:
                continue
            n = t["count"]
            if n == 0 and not t["hq"]:
                continue
            sigma_km = 1.2 + 1.1 * math.log1p(n) + (1.5 if t["hq"] else 0.0)
            weight = min(1.0, 0.25 + 0.12 * math.log1p(n)) if not t["hq"] else 1.0
            dy = (lat - t["lat"]) * 111.0
            dx = (lon - t["lon"]) * 111.0 * math.cos(math.radians(lat))
            f = max(f, weight * math.exp(-(dx * dx + dy * dy) / (2 * sigma_km * sigma_km)))
        return f

    def cell_pois(self, ci, cj, k, v):
        key = (ci, cj, k, v)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        lat0, lon0 = ci * CELL, cj * CELL
        urban_rate, floor = RATES.get((k, v), (0.2, 0.005))
        u = self._urban.get((ci, cj))
        if u is None:
            u = self._urban[(ci, cj)] = self.urban(lat0 + CELL / 2, lon0 + CELL / 2)
        lam = floor + urban_rate * u
        rng = seeded("poi", ci, cj, k, v)
        # Poisson draw (Knuth; lam is small)
        n, p, L = 0, 1.0, math.exp(-lam)
        while True:
            p *= rng.random()
            if p <= L or n > 60:
                break
            n += 1
        out = []
        for i in range(n):
            lat = lat0 + rng.random() * CELL
            lon = lon0 + rng.random() * CELL
            is_way = rng.random() < WAY_SHARE.get(v, 0.1)
            ident = stable_u64("poi-id", ci, cj, k, v, i)
            names = NAMES.get(v, [v.replace("_", " ").title()])
            tags = {k: v, "name": rng.choice(names)}
            if v in HINDI and rng.random() < 0.3:
                tags["name:hi"] = HINDI[v]
            if rng.random() < 0.2:
                tags["operator"] = rng.choice(["Govt. of Chhattisgarh", "Private", "Municipal Corporation"])
            if rng.random() < 0.15:
                tags["addr:city"] = "Raipur" if lat0 > 21.1 and lat0 < 21.4 else "Chhattisgarh"
            if is_way:
                el = {"type": "way", "id": 100000000 + ident % 1200000000,
                      "center": {"lat": round(lat, 7), "lon": round(lon, 7)},
                      "nodes": [4000000000 + (ident + j) % 9000000000 for j in range(4)] + [4000000000 + ident % 9000000000],
                      "tags": tags}
            else:
                el = {"type": "node", "id": 1000000000 + ident % 11000000000, "lat": round(lat, 7),
                      "lon": round(lon, 7), "tags": tags}
            out.append(el)
        if len(self._cache) > 400000:
            self._cache.clear()
        self._cache[key] = out
        return out

    def run(self, query):
        settings, clauses, center = parse_query(query, self.max_radius)
        seen = set()
        elements = []
        for c in clauses:
            exact = [(k, v) for k, v in c["filters"] if v is not None]
            if not exact:
                raise OverpassError("line 1: static error: a key-only filter is not supported by this server")
            k0, v0 = exact[0]
            dlat = c["radius"] / 111000.0
            dlon = dlat / max(0.1, math.cos(math.radians(c["lat"])))
            for ci in range(int(math.floor((c["lat"] - dlat) / CELL)), int(math.floor((c["lat"] + dlat) / CELL)) + 1):
                for cj in range(int(math.floor((c["lon"] - dlon) / CELL)), int(math.floor((c["lon"] + dlon) / CELL)) + 1):
                    for el in self.cell_pois(ci, cj, k0, v0):
                        if c["type"] != "nwr" and el["type"] != c["type"]:
                            continue
                        if any(el["tags"].get(k) != v for k, v in exact[1:]):
                            continue
                        pt = el["center"] if el["type"] == "way" else el
                        if haversine_m(c["lat"], c["lon"], pt["lat"], pt["lon"]) > c["radius"]:
                            continue
                        ident = (el["type"], el["id"])
                        if ident in seen:
                            continue
                        seen.add(ident)
                        if el["type"] == "way" and not center:
                            el = {k: v for k, v in el.items() if k != "center"}
                        elements.append(el)
        return {
            "version": 0.6,
            "generator": "Overpass API 0.7.62.1 084b4234",
            "osm3s": {"timestamp_osm_base": "2025-11-17T00:00:00Z",
                      "copyright": "The data included in this document is from www.openstreetmap.org. "
                                   "The data is made available under ODbL."},
            "elements": elements,
        }


def overpass_error_html(message):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml" '
            'xml:lang="en" lang="en">\n<head>\n  <meta http-equiv="content-type" content="text/html; charset=utf-8"/>\n'
            '  <title>OSM3S Response</title>\n</head>\n<body>\n\n<p>The data included in this document is from '
            'www.openstreetmap.org. The data is made available under ODbL.</p>\n<p><strong style="color:#FF0000">'
            'Error</strong>: %s </p>\n\n</body>\n</html>\n' % message.replace("&", "&amp;").replace("<", "&lt;"))


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
