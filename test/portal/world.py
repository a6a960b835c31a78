"""The simulated world: the 1,988 real projects, their listing rows, and a gazetteer.

Everything here is deterministic: every generator is seeded from stable strings (registration
numbers, place names) through SHA-256, never from time, ``hash()`` or the process hash seed.
"""
import base64
import calendar
import datetime as dt
import hashlib
import json
import os
import random
import re
import statistics

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

# The saved listing page is of 17 Nov 2025: "today" for every date rule of the simulator.
REFERENCE_DATE = dt.date(2025, 11, 17)

# The India box the original extractor accepted, and the CG box the portal's map JS uses.
INDIA_BOX = (6.0, 36.0, 68.0, 98.0)
CG_BOX = (17.790535, 24.076559, 80.456686, 84.368570)

# Project type code (map_init development_type / DropDownList2 value) -> listing/detail text.
TYPE_CODES = {"1": "Group Housing", "2": "Commercial", "3": "Mixed Development",
              "4": "Plotted Development", "5": "Commercial Plotted Development",
              "6": "Residential Plotted Development", "7": "Mixed Plotted Development"}
STATUS_CODES = {"1": "New", "2": "Ongoing"}

# Tehsils the real Raipur select offers although no listed project uses them.
EXTRA_TEHSILS = {"Raipur": ["Gobra Navapara", "Kharora"]}

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def seeded(*parts):
    """A random.Random seeded from the given parts (stable across runs and processes)."""
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


def stable_u64(*parts):
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "big")


def norm_text(s):
    """The normal form of every truth string: entities decoded, whitespace runs collapsed."""
    if s is None:
        return None
    import html
    return " ".join(html.unescape(str(s)).split())


def fmt_dmy(d):
    """'16 Feb 2018' (the listing's and the grids' format)."""
    return "%02d %s %04d" % (d.day, MONTHS[d.month - 1], d.year)


def add_months(d, n, day=None):
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    m += 1
    last = calendar.monthrange(y, m)[1]
    return dt.date(y, m, min(day if day else d.day, last))


def month_end(d):
    return dt.date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def in_box(lat, lon, box):
    return lat is not None and lon is not None and box[0] <= lat <= box[1] and box[2] <= lon <= box[3]


def my_id_for(app_id):
    return base64.b64encode(str(app_id).encode()).decode()


def parse_my_id(my_id):
    """The numeric application id of a MyID, or None if it is not the base64 of a number."""
    if not my_id or len(my_id) > 24:
        return None
    try:
        raw = base64.b64decode(my_id.encode("ascii"), validate=True)
        txt = raw.decode("ascii")
    except Exception:
        return None
    if not txt.isdigit() or txt != str(int(txt)):
        return None
    return int(txt)


FIRST_NAMES = ["VIVEK", "AAKASH", "VIKAS", "SUNNY", "AJAY", "RAJESH", "VINOD", "GAJENDRA", "SONAL",
               "ANIL", "SANJAY", "RAKESH", "MANOJ", "PRAKASH", "SURESH", "RAMESH", "DINESH", "ASHOK",
               "PANKAJ", "NITIN", "AMIT", "ROHIT", "SAURABH", "ANKIT", "DEEPAK", "MAHESH", "KAMAL",
               "PRIYA", "NEHA", "SUNITA", "KAVITA", "REKHA", "ANJALI", "POOJA", "MEENA", "SEEMA",
               "HARISH", "GOPAL", "NARESH", "SHYAM", "MUKESH", "RAJKUMAR", "ABHISHEK", "TARUN"]
MIDDLE_NAMES = ["", "", "", "KUMAR", "PRASAD", "SINGH", "CHAND", "LAL"]
SURNAMES = ["AGRAWAL", "JAIN", "BOHRA", "BINDRA", "CHOUHAN", "KUKREJA", "RAJPAL", "SHARMA", "GUPTA",
            "VERMA", "SAHU", "SINGH", "TIWARI", "PANDEY", "MISHRA", "DUBEY", "CHANDRAKAR", "SONI",
            "GOYAL", "BANSAL", "MITTAL", "THAKUR", "YADAV", "SAO", "DEWANGAN", "TAMRAKAR", "PATEL",
            "SHUKLA", "TRIPATHI", "KHANDELWAL", "LUNIA", "BHATIA", "CHHABRA", "SALUJA", "NAIDU"]


def person_name(rng):
    mid = rng.choice(MIDDLE_NAMES)
    parts = [rng.choice(FIRST_NAMES)] + ([mid] if mid else []) + [rng.choice(SURNAMES)]
    return " ".join(parts)


def load_json(name):
    with open(os.path.join(DATA_DIR, name), encoding="utf-8") as f:
        return json.load(f)


LOCALITY_MARKERS = ("VILLAGE", "VILLEGE", "VILL", "GRAM", "MOHALLA", "WARD", "SECTOR", "COLONY", "NAGAR")
ADDRESS_STOP = {"NEAR", "ROAD", "DIST", "DISTRICT", "TEHSIL", "TAHSIL", "PATWARI", "HALKA", "NO", "C", "G",
                "CG", "BEHIND", "OPP", "OPPOSITE", "CHHATTISGARH", "NH", "AND", "THE", "OF", "KH", "KHASRA",
                "PH", "P", "H", "POST", "PIN", "BLOCK", "MAIN", "CHOWK", "PHASE", "VILLAGE", "VILLEGE",
                "GRAM", "WARD", "SECTOR", "NAGAR", "COLONY", "MOHALLA", "VILL", "TEH", "TAH", "VIL", "SCHOOL",
                "HOSPITAL", "TEMPLE", "MANDIR", "BYPASS", "HIGHWAY", "STATION", "CITY", "VILLAGES", "WITH"}


def guess_locality(address, district, tehsil):
    """A locality name read from a real project address (what a village/locality field would hold)."""
    words = re.findall(r"[A-Za-z]+", address or "")
    up = [w.upper() for w in words]
    skip = {district.upper(), tehsil.upper()}
    for i, w in enumerate(up):
        if w in LOCALITY_MARKERS and i + 1 < len(up):
            nxt = up[i + 1]
            if nxt not in ADDRESS_STOP and nxt not in skip and len(nxt) > 2:
                return nxt.title()
    for w in up:
        if w not in ADDRESS_STOP and w not in skip and len(w) > 3 and not w.isdigit():
            return w.title()
    return None


class World:
    """All projects, their listing rows, MyID → page mapping, and the gazetteer."""

    def __init__(self):
        self.projects = load_json("projects.json")
        self.map_init = load_json("map_init.json")
        assert len(self.projects) == len(self.map_init)
        real_rows = {r["registration_number"]: r for r in load_json("listing_real_rows.json")}
        self.options = load_json("listing_options.json")
        self.sections = load_json("logical_sections_and_keys.json")["sections"]
        self.nominatim_samples = load_json("nominatim_samples.json")

        self.district_options = [(v, t) for v, t in self.options["District_Name"] if v != "0"]
        self.district_value = {t.lower(): v for v, t in self.district_options}
        self.district_name = {v: t for v, t in self.district_options}
        self.status_options = [(v, t) for v, t in self.options["ApplicantType"] if v != "0"]
        self.type_options = [(v, t) for v, t in self.options["DropDownList2"] if v != "0"]

        # tehsils per district, with numeric option values (stable: district order, then name)
        tehsils = {}
        for p in self.projects:
            tehsils.setdefault(p["district"], set()).add(p["tehsil"])
        for d, extra in EXTRA_TEHSILS.items():
            tehsils.setdefault(d, set()).update(extra)
        self.tehsil_options = {}
        self.tehsil_value = {}
        n = 1
        for v, dname in sorted(self.district_options, key=lambda x: int(x[0])):
            opts = []
            for t in sorted(tehsils.get(dname, ())):
                opts.append((str(n), t))
                self.tehsil_value[(dname, t)] = str(n)
                n += 1
            self.tehsil_options[dname] = opts

        # MyID → application id; application id → the registration whose page it serves.
        ids = {}
        for p in self.projects:
            if p["my_id"]:
                ids.setdefault(parse_my_id(p["my_id"]), []).append(p["registration_number"])
        next_id = max(ids) + 1
        self.page_owner = {}  # app_id -> registration number of the page served there
        self.app_of = {}      # registration -> app id whose page this registration's link meets
        for app_id, regs in sorted(ids.items()):
            pc = [r for r in regs if r.startswith("PCGRERA")]
            self.page_owner[app_id] = pc[0] if pc else regs[0]
            for r in regs:
                self.app_of[r] = app_id
        # the 3 projects without a link still have an application on the portal: the postback
        # of their row reaches it; it is not advertised in map_init.
        for p in self.projects:
            if not p["my_id"]:
                self.page_owner[next_id] = p["registration_number"]
                self.app_of[p["registration_number"]] = next_id
                next_id += 1
        self.own_app = {reg: a for a, reg in self.page_owner.items()}
        self.listed_at = {}
        for p in self.projects:
            self.listed_at.setdefault(self.app_of[p["registration_number"]], []).append(p["registration_number"])

        self.by_reg = {}
        self.rows = []
        for i, (p, m) in enumerate(zip(self.projects, self.map_init)):
            row = self._listing_row(i, p, m, real_rows.get(p["registration_number"]))
            self.rows.append(row)
            self.by_reg[p["registration_number"]] = (p, row)
        self._build_gazetteer()

    # ------------------------------------------------------------------ listing rows
    def _listing_row(self, i, p, m, real):
        reg = p["registration_number"]
        rng = seeded("listing", reg)
        promoter = p["promoter"]
        mo = re.match(r"^(.*?)\(([^()]*)\)\s*$", promoter)
        promoter_name, org_type = (mo.group(1).strip(), mo.group(2).strip()) if mo else (promoter.strip(), None)
        approved = None
        mo = re.match(r"^P\d?CGRERA(\d{2})(\d{2})(\d{2})\d{6}$", reg)
        if mo:
            try:
                approved = dt.date(2000 + int(mo.group(3)), int(mo.group(2)), int(mo.group(1)))
            except ValueError:
                approved = None
        if approved is None:
            approved = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(2800))
        months = rng.randint(18, 60)
        proposed = month_end(add_months(approved, months)) if rng.random() < 0.5 else \
            add_months(approved, months, day=rng.randint(1, 28))
        extended = None
        if proposed < REFERENCE_DATE:
            if rng.random() < 0.65:
                extended = add_months(proposed, rng.randint(6, 36), day=rng.randint(1, 28))
        elif rng.random() < 0.1:
            extended = add_months(proposed, rng.randint(6, 24), day=rng.randint(1, 28))
        years = (REFERENCE_DATE - approved).days / 365.25
        completed = years > 2 and rng.random() < min(0.6, 0.09 * years)
        final_end = extended or proposed
        cert = "link" if (completed or final_end >= REFERENCE_DATE) else "expired"
        if org_type in ("Individual", "Proprietorship Firm") and rng.random() < 0.7:
            authorised = promoter_name
        else:
            authorised = person_name(rng)
        website = None
        if rng.random() < 0.55:
            slug = re.sub(r"[^a-z0-9]", "", p["project_name"].lower())[:24] or "project"
            website = rng.choice(["http://www.%s.com/", "http://%s.in/", "http://www.%s.in/"]) % slug
        row = {
            "sn": i + 1,
            "index": i,
            "registration_number": reg,
            "completed": completed,
            "hdn1": "1" if rng.random() < 0.95 else "0",
            "hidden_field3": "12/31/2020 11:59:59 PM",
            "project_name": p["project_name"].upper(),
            "authorised_name": authorised,
            "promoter_name": promoter_name,
            "organisation_type": org_type,
            "project_type": p["project_type"],
            "development_type": p["development_type"],
            "project_status": p["project_status"],
            "district": p["district"].upper(),
            "tehsil": p["tehsil"].upper(),
            "approved_date": fmt_dmy(approved),
            "proposed_end_date": fmt_dmy(proposed),
            "extended_end_date": fmt_dmy(extended) if extended else "-",
            "website": website,
            "certificate": cert,
            "detail_link": p["detail_link"],
            "my_id": p["my_id"],
            "location": m["location"],
            "approved": approved,
            "proposed": proposed,
        }
        if real:  # the 10 rows the saved page really shows
            for k in ("project_name", "promoter_name", "authorised_name", "approved_date", "proposed_end_date",
                      "extended_end_date", "website", "completed", "hdn1", "hidden_field3", "certificate"):
                row[k] = real[k]
            row["proposed"] = dt.datetime.strptime(real["proposed_end_date"], "%d %b %Y").date()
            row["approved"] = dt.datetime.strptime(real["approved_date"], "%d %b %Y").date()
        return row

    def listing_truth(self, row):
        return {k: row[k] for k in ("sn", "registration_number", "completed", "project_name", "authorised_name",
                                    "promoter_name", "project_type", "development_type", "project_status",
                                    "district", "tehsil", "approved_date", "proposed_end_date",
                                    "extended_end_date", "website", "certificate", "detail_link", "my_id",
                                    "location")}

    # ------------------------------------------------------------------ filters
    def filter_rows(self, f):
        """Rows for the filter dict f (keys: district, tehsil, status, type, promoter, name, reg)."""
        out = self.rows
        if f.get("district") and f["district"] != "0":
            dname = self.district_name.get(f["district"], "\x00")
            out = [r for r in out if self.projects[r["index"]]["district"] == dname]
            if f.get("tehsil") and f["tehsil"] != "0":
                tname = {v: t for v, t in self.tehsil_options.get(dname, [])}.get(f["tehsil"], "\x00")
                out = [r for r in out if self.projects[r["index"]]["tehsil"] == tname]
        if f.get("status") and f["status"] != "0":
            sname = STATUS_CODES.get(f["status"], "\x00")
            out = [r for r in out if r["project_status"] == sname]
        if f.get("type") and f["type"] != "0":
            out = [r for r in out if r["development_type"] == f["type"]]
        for key, field in (("promoter", "promoter_name"), ("name", "project_name"), ("reg", "registration_number")):
            v = (f.get(key) or "").strip().upper()
            if v:
                out = [r for r in out if v in r[field].upper()]
        return out

    # ------------------------------------------------------------------ gazetteer
    def _build_gazetteer(self):
        """Places for Nominatim and town weights for Overpass, from the real project positions."""
        by_d, by_t, by_l = {}, {}, {}
        self.locality_of = {}
        for p in self.projects:
            lat, lon = p["latitude"], p["longitude"]
            ok = in_box(lat, lon, CG_BOX) and lat != lon
            d, t = p["district"], p["tehsil"]
            loc = guess_locality(p["project_address"], d, t)
            self.locality_of[p["registration_number"]] = loc
            by_d.setdefault(d, []).append((lat, lon) if ok else None)
            by_t.setdefault((d, t), []).append((lat, lon) if ok else None)
            if loc:
                by_l.setdefault((d, loc), {"tehsil": t, "pts": []})["pts"].append((lat, lon) if ok else None)

        def centre(pts, fallback_key, spread):
            good = [x for x in pts if x]
            if good:
                return (round(statistics.median(x[0] for x in good), 7), round(statistics.median(x[1] for x in good), 7))
            r = seeded("place", fallback_key)
            return (round(r.uniform(CG_BOX[0] + 1.5, CG_BOX[1] - 1.0), 7), round(r.uniform(CG_BOX[2] + 0.5, CG_BOX[3] - 0.5), 7))

        self.districts_geo = {}
        for v, dname in self.district_options:
            pts = by_d.get(dname, [])
            self.districts_geo[dname] = {"name": dname, "centre": centre(pts, ("d", dname), 0), "count": len(pts)}
        self.tehsils_geo = {}
        for (d, t), pts in by_t.items():
            c = centre(pts, ("t", d, t), 0)
            if not any(pts):
                dc = self.districts_geo[d]["centre"]
                r = seeded("tehsil-offset", d, t)
                c = (round(dc[0] + r.uniform(-0.25, 0.25), 7), round(dc[1] + r.uniform(-0.25, 0.25), 7))
            self.tehsils_geo[(d, t)] = {"district": d, "name": t, "centre": c, "count": len(pts)}
        for d, extra in EXTRA_TEHSILS.items():
            for t in extra:
                dc = self.districts_geo[d]["centre"]
                r = seeded("tehsil-offset", d, t)
                self.tehsils_geo[(d, t)] = {"district": d, "name": t, "count": 0,
                                            "centre": (round(dc[0] + r.uniform(-0.3, 0.3), 7),
                                                       round(dc[1] + r.uniform(-0.3, 0.3), 7))}
        self.localities_geo = {}
        for (d, loc), info in by_l.items():
            t = info["tehsil"]
            good = [x for x in info["pts"] if x]
            if good:
                c = (round(statistics.median(x[0] for x in good), 7), round(statistics.median(x[1] for x in good), 7))
            else:
                tc = self.tehsils_geo[(d, t)]["centre"]
                r = seeded("loc-offset", d, loc)
                c = (round(tc[0] + r.uniform(-0.05, 0.05), 7), round(tc[1] + r.uniform(-0.05, 0.05), 7))
            self.localities_geo[(d, loc.lower())] = {"district": d, "tehsil": t, "name": loc, "centre": c,
                                                     "count": len(info["pts"])}
        # towns that make Overpass dense: every tehsil with its project count as weight
        self.towns = []
        for (d, t), g in self.tehsils_geo.items():
            hq = t.lower() == d.lower() or (d == "Janjgir-Champa" and t == "Janjgir")
            self.towns.append({"lat": g["centre"][0], "lon": g["centre"][1], "count": g["count"], "hq": hq})

    # ------------------------------------------------------------------ pages
    def page_registration(self, app_id):
        return self.page_owner.get(app_id)

    def apps(self):
        return sorted(self.page_owner)


_WORLD = None


def get_world():
    global _WORLD
    if _WORLD is None:
        _WORLD = World()
    return _WORLD
