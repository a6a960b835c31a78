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


# compiled once: search() applies them a dozen times a query (re's own cache lookup cost
# more than the matching)
_NOT_KEY = re.compile(r"[^a-z0-9]")
_PIN = re.compile(r"\d{5,6}")
_DISTRICT_PREFIX = re.compile(r"(?i)^(district|dist\.?|zila)\s*")
_TEHSIL_PREFIX = re.compile(r"(?i)^(tehsil|tahsil|tah\.?|tahsildar)\s*")
_WORD = re.compile(r"[A-Za-z]+")
PLACE_RANK = {"city": 16, "town": 18, "village": 19, "suburb": 20, "state_district": 12, "state": 8}
PLACE_SPAN = {"city": 0.16, "town": 0.04, "village": 0.02, "suburb": 0.01, "state_district": 0.5, "state": 3.0}


def _key(s):
    return _NOT_KEY.sub("", s.lower())


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
        rank = PLACE_RANK[kind]
        span = PLACE_SPAN[kind]
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
            if k in ("india", "chhattisgarh", "cg", "chattisgarh") or _PIN.fullmatch(k):
                continue
            words.append(p)
        if not words:
            if any(_key(p) == "chhattisgarh" for p in parts):
                return [self._hit("state", "Chhattisgarh", 21.6637359, 81.8406351, None, None, addressdetails)][:limit]
            return []
        district = None
        rest = []
        for p in reversed(words):
            k = _key(_DISTRICT_PREFIX.sub("", p))
            if district is None and k in self.districts:
                district = self.districts[k]
            else:
                rest.insert(0, p)
        tehsil = None
        rest2 = []
        for p in reversed(rest):
            k = _key(_TEHSIL_PREFIX.sub("", p))
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
            for word in _WORD.findall(p):
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
CELL_CACHE_LIMIT = 400000  # cells (of one tag each) an Overpass keeps: about 400 bytes each with their POIs


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


# A point is in an around: filter when haversine_m(centre, point) <= radius.  select() first
# tests the same formula inlined with precomputed radians and cosines (and whole cells with
# _CellSpans), which can differ from haversine_m in the last bits only; a point that this
# finds within AROUND_MARGIN (relative: 1 cm at 10 km) of the boundary gets haversine_m
# itself, so the answer is exactly that of haversine_m alone.
EARTH_R = 6371000.0
AROUND_MARGIN = 1e-6
# A generated point lies in [ci * CELL, (ci + 1) * CELL] (and so for cj) but for its
# rounding to 7 decimals; cell bounds are widened by this (about 10 cm) to cover that.
CELL_PAD = 1e-6


def _answer(elements):
    return {
        "version": 0.6,
        "generator": "Overpass API 0.7.62.1 084b4234",
        "osm3s": {"timestamp_osm_base": "2025-11-17T00:00:00Z",
                  "copyright": "The data included in this document is from www.openstreetmap.org. "
                               "The data is made available under ODbL."},
        "elements": elements,
    }


class _Poi:
    """One generated element with what a query needs of it, computed once per cell: its
    position (radians, cos), its identity for de-duplication, the element without its
    center (for a query without `out center`) and the JSON text of both forms."""
    __slots__ = ("el", "bare", "type", "ident", "lat", "lon", "phi", "cos_phi", "lam", "json", "bare_json")

    def __init__(self, el):
        self.el = el
        self.type = el["type"]
        self.ident = (el["type"], el["id"])
        pt = el["center"] if self.type == "way" else el
        self.lat, self.lon = pt["lat"], pt["lon"]
        self.phi = math.radians(self.lat)
        self.cos_phi = math.cos(self.phi)
        self.lam = math.radians(self.lon)
        self.bare = {k: v for k, v in el.items() if k != "center"} if self.type == "way" else el
        self.json = dumps(el)
        self.bare_json = dumps(self.bare) if self.bare is not el else self.json


class _CellSpans:
    """For one around: centre, bounds of the two terms of haversine's
        a = sin²(Δφ/2) + cos φ0 · cos φ · sin²(Δλ/2)
    over the points of a cell row (ci: sin²(Δφ/2) and cos φ) and of a cell column (cj:
    sin²(Δλ/2)), padded by CELL_PAD for the rounding of generated coordinates.  With them
    select() drops a cell whose nearest possible point is surely beyond the radius (without
    generating it: a cell's seeding is most of a cold query's time) and skips the per-point
    test in a cell whose farthest possible point is surely within it.  Bounds that would
    not hold (a row beyond a pole, a span of more than 180°) are 0 and infinity: such a cell
    takes the per-point test."""

    def __init__(self, lat, lon):
        self.phi0, self.lam0 = math.radians(lat), math.radians(lon)
        self.cos_phi0 = math.cos(self.phi0)
        self._rows, self._cols = {}, {}

    @staticmethod
    def _sin2_range(lo, hi, centre):
        """min and max of sin²((x - centre) / 2) for x in [lo, hi], or (0, inf)."""
        far = max(abs(lo - centre), abs(hi - centre))
        if far > math.pi:
            return 0.0, math.inf
        near = 0.0 if lo <= centre <= hi else min(abs(lo - centre), abs(hi - centre))
        return math.sin(near / 2) ** 2, math.sin(far / 2) ** 2

    def row(self, ci):
        """(min sin²(Δφ/2), max sin²(Δφ/2), min cos φ, max cos φ) over row ci."""
        hit = self._rows.get(ci)
        if hit is None:
            lo, hi = math.radians(ci * CELL - CELL_PAD), math.radians((ci + 1) * CELL + CELL_PAD)
            if lo < -math.pi / 2 or hi > math.pi / 2:
                hit = (0.0, math.inf, 0.0, 1.0)
            else:
                cos_lo, cos_hi = math.cos(lo), math.cos(hi)
                hit = self._sin2_range(lo, hi, self.phi0) + (min(cos_lo, cos_hi),
                                                             1.0 if lo <= 0.0 <= hi else max(cos_lo, cos_hi))
            self._rows[ci] = hit
        return hit

    def col(self, cj):
        """(cj, min sin²(Δλ/2), max sin²(Δλ/2)) over column cj."""
        hit = self._cols.get(cj)
        if hit is None:
            lo, hi = math.radians(cj * CELL - CELL_PAD), math.radians((cj + 1) * CELL + CELL_PAD)
            hit = self._cols[cj] = (cj,) + self._sin2_range(lo, hi, self.lam0)
        return hit


class Overpass:
    def __init__(self, world, max_radius=25000):
        self.max_radius = max_radius
        self.towns = world.towns
        self._bumps = self._town_bumps(self.towns)
        # (k, v) -> ci -> cj -> tuple of _Poi (nested: a row's lookups then hash an int, not a
        # 4-tuple; there are thousands of cells in a query)
        self._cells = {}
        self._cell_count = 0
        self._urban = {}  # per cell: the same for every tag (computing it was most of a query's time)

    def urban(self, lat, lon):
        """How town-like (lat, lon) is, 0..1: the strongest Gaussian bump of the towns nearby."""
        f = 0.0
        cos_lat = math.cos(math.radians(lat))
        for t_lat, t_lon, weight, two_sigma2 in self._bumps:
            if abs(t_lat - lat) > 0.5 or abs(t_lon - lon) > 0.5:
                continue
            dy = (lat - t_lat) * 111.0
            dx = (lon - t_lon) * 111.0 * cos_lat
            f = max(f, weight * math.exp(-(dx * dx + dy * dy) / two_sigma2))
        return f

    @staticmethod
    def _town_bumps(towns):
        """(lat, lon, weight, 2σ²) of each town that counts for urban(), computed once."""
        out = []
        for t in towns:
            n = t["count"]
            if n == 0 and not t["hq"]:
                continue
            sigma_km = 1.2 + 1.1 * math.log1p(n) + (1.5 if t["hq"] else 0.0)
            weight = min(1.0, 0.25 + 0.12 * math.log1p(n)) if not t["hq"] else 1.0
            out.append((t["lat"], t["lon"], weight, 2 * sigma_km * sigma_km))
        return out

    def cell_pois(self, ci, cj, k, v):
        """The elements tagged k=v in the 0.01° cell (ci, cj), generated from a seed of the
        cell and tag (not cached: see cell())."""
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
        return out

    def cell_row(self, ci, k, v):
        """The cached cells of row ci for k=v: {cj: tuple of _Poi} (see cell())."""
        rows = self._cells.get((k, v))
        if rows is None:
            rows = self._cells[(k, v)] = {}
        row = rows.get(ci)
        if row is None:
            row = rows[ci] = {}
        return row

    def cell(self, row, ci, cj, k, v):
        """cell_pois() as _Poi, cached in row (cell_row(ci, k, v)): the pipeline's queries
        overlap (projects of a town share most cells) and a cell's seeding costs more than a
        query's use of it.  The elements are shared by every answer: not to be modified."""
        hit = row.get(cj)
        if hit is None:
            hit = row[cj] = tuple(_Poi(el) for el in self.cell_pois(ci, cj, k, v))
            self._cell_count += 1
        return hit

    def select(self, query):
        """The answer's elements as _Poi, in Overpass's order, and whether `out center` was asked."""
        settings, clauses, center = parse_query(query, self.max_radius)
        seen = set()
        found = []
        if self._cell_count > CELL_CACHE_LIMIT:  # (between queries: select() holds rows of it)
            self._cells.clear()
            self._cell_count = 0
        sin = math.sin
        spans = {}  # (lat, lon) -> _CellSpans: a query's clauses mostly share one centre
        for c in clauses:
            exact = [(k, v) for k, v in c["filters"] if v is not None]
            if not exact:
                raise OverpassError("line 1: static error: a key-only filter is not supported by this server")
            k0, v0 = exact[0]
            more = exact[1:]
            only_type = None if c["type"] == "nwr" else c["type"]
            lat, lon, radius = c["lat"], c["lon"], c["radius"]
            span = spans.get((lat, lon))
            if span is None:
                span = spans[(lat, lon)] = _CellSpans(lat, lon)
            phi0, lam0, cos_phi0 = span.phi0, span.lam0, span.cos_phi0
            # bounds of haversine's a = sin²(d / 2R) for "surely inside" and "surely outside"
            # (sin² is monotonic only up to half the circumference: for a radius beyond a
            # quarter of it, far beyond any real query, every point takes the exact test)
            if radius * (1 + AROUND_MARGIN) < EARTH_R * math.pi / 2:
                a_inside = sin(radius * (1 - AROUND_MARGIN) / (2 * EARTH_R)) ** 2
                a_outside = sin(radius * (1 + AROUND_MARGIN) / (2 * EARTH_R)) ** 2
            else:
                a_inside, a_outside = -1.0, math.inf
            dlat = radius / 111000.0
            dlon = dlat / max(0.1, math.cos(math.radians(lat)))
            cols = [span.col(cj) for cj in
                    range(int(math.floor((lon - dlon) / CELL)), int(math.floor((lon + dlon) / CELL)) + 1)]
            for ci in range(int(math.floor((lat - dlat) / CELL)), int(math.floor((lat + dlat) / CELL)) + 1):
                row_near, row_far, cos_min, cos_max = span.row(ci)
                near_factor, far_factor = cos_phi0 * cos_min, cos_phi0 * cos_max
                cells = self.cell_row(ci, k0, v0)
                for cj, col_near, col_far in cols:
                    if row_near + near_factor * col_near > a_outside:
                        continue  # the whole cell is beyond the radius: not even generated
                    whole_cell_inside = row_far + far_factor * col_far < a_inside
                    pois = cells.get(cj)
                    if pois is None:
                        pois = self.cell(cells, ci, cj, k0, v0)
                    for poi in pois:
                        if only_type is not None and poi.type != only_type:
                            continue
                        if more and any(poi.el["tags"].get(k) != v for k, v in more):
                            continue
                        if not whole_cell_inside:
                            a = sin((poi.phi - phi0) / 2) ** 2 + cos_phi0 * poi.cos_phi * sin((poi.lam - lam0) / 2) ** 2
                            if a > a_outside:
                                continue
                            if a >= a_inside and haversine_m(lat, lon, poi.lat, poi.lon) > radius:
                                continue
                        if poi.ident in seen:
                            continue
                        seen.add(poi.ident)
                        found.append(poi)
        return found, center

    def run(self, query):
        """The answer to query as a JSON object (raises OverpassError)."""
        found, center = self.select(query)
        return _answer([poi.el if center else poi.bare for poi in found])

    def answer(self, query):
        """dumps(self.run(query)), built from each element's JSON text (serialised once per
        element instead of once per answer: json.dumps was a third of a query's time)."""
        found, center = self.select(query)
        return b"".join((_ANSWER_HEAD, b",".join([poi.json if center else poi.bare_json for poi in found]), b"]}"))


def overpass_error_html(message):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml" '
            'xml:lang="en" lang="en">\n<head>\n  <meta http-equiv="content-type" content="text/html; charset=utf-8"/>\n'
            '  <title>OSM3S Response</title>\n</head>\n<body>\n\n<p>The data included in this document is from '
            'www.openstreetmap.org. The data is made available under ODbL.</p>\n<p><strong style="color:#FF0000">'
            'Error</strong>: %s </p>\n\n</body>\n</html>\n' % message.replace("&", "&amp;").replace("<", "&lt;"))


# what json.dumps(obj, ensure_ascii=False, separators=(",", ":")) uses, made once (dumps() is
# called for every generated Overpass element)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(obj):
    return _ENCODER.encode(obj).encode("utf-8")


# dumps(_answer([...])) up to the elements' "[" (Overpass.answer() adds the elements and "]}")
_ANSWER_HEAD = dumps(_answer([]))[:-2]
assert dumps(_answer([])) == _ANSWER_HEAD + b"]}"
