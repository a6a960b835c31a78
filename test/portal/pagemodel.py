"""A reference reader of the simulator's pages, standard library only (html.parser).

The tests use it to check that the ground truth matches what is really on the page: it reads a
detail page the way README.md says an extractor should (named form controls, professionals'
spans, the GridView tables by id, label/value sections by normalised title and label, document
labels followed by links, the Google Maps iframe, the inventory grid) and derives the V1 values
by the documented rules. It is tolerant of the sloppy markup the simulator emits (unclosed
<td>/<tr>/<option>/<p>, upper-case tags, unquoted attributes, stray end tags).
"""
import html
import json
import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
INDIA_BOX = (6.0, 36.0, 68.0, 98.0)


class Node:
    __slots__ = ("tag", "attrs", "children", "parent")

    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = attrs
        self.children = []
        self.parent = parent

    def text(self):
        out = []

        def walk(n):
            for c in n.children:
                if isinstance(c, str):
                    out.append(c)
                elif c.tag not in ("script", "style"):
                    walk(c)
        walk(self)
        return "".join(out)

    def iter(self):
        """Descendant elements in document order (iterative: sloppy pages nest deeply)."""
        out = []
        stack = [iter(self.children)]
        while stack:
            for c in stack[-1]:
                if isinstance(c, Node):
                    out.append(c)
                    stack.append(iter(c.children))
                    break
            else:
                stack.pop()
        return out

    def elements(self):
        return [c for c in self.children if isinstance(c, Node)]

    def get(self, k, default=None):
        return self.attrs.get(k, default)


class Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.stack = [self.root]

    def _close_to(self, tags, stop):
        """Close the innermost open element in tags, unless a stop element comes first."""
        for i in range(len(self.stack) - 1, 0, -1):
            t = self.stack[i].tag
            if t in tags:
                del self.stack[i:]
                return
            if t in stop:
                return

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self._close_to({"td", "th"}, {"tr", "table"})
        elif tag == "tr":
            self._close_to({"tr"}, {"table"})
        elif tag == "option":
            self._close_to({"option"}, {"select"})
        elif tag == "p":
            self._close_to({"p"}, {"div", "td", "table", "body"})
        n = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(n)
        if tag not in VOID:
            self.stack.append(n)

    def handle_startendtag(self, tag, attrs):
        n = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(n)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
            if tag in ("td", "th", "tr") and self.stack[i].tag == "table":
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(text):
    b = Builder()
    b.feed(text)
    b.close()
    return b.root


def norm(s):
    return " ".join(html.unescape(s).split()) if s is not None else None


def label_norm(s):
    s = re.sub(r"\[[^\]]*\]|\([^)]*\)", "", s.lower())
    return re.sub(r"[^a-z0-9]", "", s)


def control_value(n):
    """Value of a form control node (input/textarea/select), or None."""
    if n.tag == "input":
        return n.get("value", "")
    if n.tag == "textarea":
        return n.text()
    if n.tag == "select":
        opts = [o for o in n.iter() if o.tag == "option"]
        for o in opts:
            if "selected" in o.attrs:
                return o.text()
        return opts[0].text() if opts else ""
    return None


def table_rows(t):
    """Rows of a table as lists of cell nodes (first row included)."""
    rows = []
    for tr in t.iter():
        if tr.tag == "tr":
            cells = [c for c in tr.elements() if c.tag in ("td", "th")]
            rows.append(cells)
    return rows


def parse_date(s):
    import datetime as dt
    s = norm(s)
    for f in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y", "%d %b %Y"):
        try:
            return dt.datetime.strptime(s, f).date().isoformat()
        except ValueError:
            pass
    return None


def parse_area(s):
    s = norm(s)
    m = re.match(r"^([0-9][0-9,]*\.?[0-9]*)\s*(.*)$", s)
    if not m:
        return None
    v = float(m.group(1).replace(",", ""))
    unit = m.group(2).lower()
    if unit.startswith("h"):
        return round(v * 10000.0, 2)
    return round(v, 2)


def in_box(lat, lon):
    return INDIA_BOX[0] <= lat <= INDIA_BOX[1] and INDIA_BOX[2] <= lon <= INDIA_BOX[3]


class DetailPage:
    """The reference reading of one detail page."""

    def __init__(self, text, sections):
        self.root = parse(text)
        self.sections = sections
        self.by_id = {}
        self.controls = {}
        self.all = self.root.iter()
        for n in self.all:
            i = n.get("id")
            if i and i not in self.by_id:
                self.by_id[i] = n
            name = n.get("name", "")
            if name.startswith("ctl00$ContentPlaceHolder1$") and n.tag in ("input", "textarea", "select"):
                self.controls[name[len("ctl00$ContentPlaceHolder1$"):]] = norm(control_value(n))

    def span(self, suffix):
        for i, n in self.by_id.items():
            if i.endswith(suffix) and n.tag == "span":
                return norm(n.text())
        return None

    def grid(self, name):
        """(headers, data rows as text lists) of a GridView, or None if absent."""
        t = self.by_id.get("ContentPlaceHolder1_" + name)
        if t is None:
            return None
        rows = table_rows(t)
        if not rows:
            return [], []
        headers = [norm(c.text()) for c in rows[0]]
        data = []
        for r in rows[1:]:
            cells = [norm(c.text()) for c in r]
            if len(cells) == 1 and cells[0].lower() in ("no data found", "no record found"):
                continue
            data.append((cells, r))
        return headers, data

    def label_sections(self):
        """{logical_section: {canonical_key: value text}} from label/value tables under known titles,
        plus {logical_section: [table rows as dicts]} for header tables."""
        titles = {}
        for s in self.sections:
            for v in s["section_title_variants"]:
                titles[label_norm(v)] = s["logical_section"]
        fields, tables = {}, {}
        current = None
        for n in self.all:
            if n.tag in ("h1", "h2", "h3", "h4", "h5", "h6", "strong"):
                current = titles.get(label_norm(norm(n.text()).split(" / ")[0]))
            elif n.tag == "label" and current and n.parent is not None and n.parent.tag == "td":
                tr = n.parent.parent
                cells = [c for c in tr.elements() if c.tag in ("td", "th")] if tr is not None else []
                idx = cells.index(n.parent) if n.parent in cells else -1
                if idx >= 0 and idx + 1 < len(cells):
                    key = self._key(current, norm(n.text()).rstrip(":"))
                    if key:
                        fields.setdefault(current, {})[key] = cells[idx + 1]
            elif n.tag == "table" and current and not n.get("id"):
                rows = table_rows(n)
                if rows and all(c.tag == "th" for c in rows[0]):
                    hdr = [norm(c.text()) for c in rows[0]]
                    tables.setdefault(current, []).append((hdr, [[norm(c.text()) for c in r] for r in rows[1:]]))
        return fields, tables

    def _key(self, section, label):
        if not hasattr(self, "_keys"):
            self._keys = {}
            for s in self.sections:
                for k, vs in s["keys"].items():
                    for v in vs:
                        self._keys.setdefault((s["logical_section"], label_norm(v)), k)
        return self._keys.get((section, label_norm(label)))

    def documents(self):
        out = []
        panel = None
        for n in self.all:
            if n.tag == "h4" and norm(n.text()).startswith("Documents"):
                panel = n.parent.parent
                break
        if panel is None:
            return out
        for n in panel.iter():
            if n.tag != "label":
                continue
            sib = n.parent.elements()
            i = sib.index(n)
            a = sib[i + 1] if i + 1 < len(sib) and sib[i + 1].tag == "a" else None
            if a is None:
                continue
            href = a.get("href", "")
            m = re.search(r"OpenModel\('([^']*)'\)", a.get("onclick", ""))
            if href.startswith("javascript:") and m:
                href = m.group(1)
            if not href or href.endswith("/") or href.startswith("javascript:"):
                continue
            prefix = re.sub(r"_?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.pdf$", "",
                            href.rsplit("/", 1)[-1])
            out.append({"name": norm(n.text()), "document_type": prefix.rstrip("_"), "url": href, "uploaded_on": None})
        return out

    def v1(self):
        c = self.controls
        fields, tables = self.label_sections()
        pdf = fields.get("project_details", {})

        def fv(sec, key):
            n = fields.get(sec, {}).get(key)
            if n is None:
                return None
            ctl = [x for x in n.iter() if x.tag in ("input", "select", "textarea")]
            return norm(control_value(ctl[0])) if ctl else norm(n.text())

        pd = {
            "registration_number": self.span("lbl_reg_no"),
            "project_name": c.get("txt_proj_name"), "project_type": c.get("DropDownList5"),
            "project_status": c.get("ApplicantType"), "district": c.get("District_Name"),
            "tehsil": c.get("Tehsil_Name"), "village_or_locality": fv("project_details", "village_or_locality"),
            "pincode": fv("project_details", "pincode"), "project_address": c.get("AadharNumber"),
            "project_website_url": fv("project_details", "project_website"),
            "total_units": None, "total_area_sq_m": None, "launch_date": None,
            "expected_completion_date": parse_date(c.get("txtenddate") or ""),
        }
        if pd["pincode"] is None:
            m = re.search(r"\b(\d{6})\b", pd["project_address"] or "")
            pd["pincode"] = m.group(1) if m else None
        g = self.grid("Single_grid_brief_plot")
        if g and g[1]:
            i = g[0].index("Total Plots")
            pd["total_units"] = sum(int(r[0][i]) for r in g[1])
        elif "total_units" in pdf:
            pd["total_units"] = int(fv("project_details", "total_units"))
        if "total_area_sq_m" in pdf:
            pd["total_area_sq_m"] = parse_area(fv("project_details", "total_area_sq_m"))
        if "launch_date" in pdf:
            pd["launch_date"] = parse_date(fv("project_details", "launch_date"))
        prom = {"name": c.get("txt_p_name"), "organisation_type": c.get("DropDownList1"),
                "address": c.get("txt_p_registeredaddress"), "email": c.get("txt_pemail"), "phone": c.get("txt_pmobile"),
                "pan": fv("promoter_details", "pan"), "cin": fv("promoter_details", "cin")}
        bank = []
        if "TextBox2" in c:
            bank = [{"bank_name": c.get("TextBox4"), "branch_name": c.get("TextBox5"), "account_number": c.get("TextBox2"),
                     "ifsc_code": c.get("TextBox6")}]
        land = []
        if "land_details" in fields:
            land = [{"land_area_sq_m": parse_area(fv("land_details", "land_area_sq_m")),
                     "land_status": fv("land_details", "land_status"), "land_address": fv("land_details", "land_address"),
                     "khasra_numbers": fv("land_details", "khasra_numbers")}]
        building, units = [], []
        for hdr, rows in tables.get("building_details", []):
            for r in rows:
                building.append({"name": r[0], "number_of_floors": int(r[1]), "number_of_units": int(r[2]),
                                 "carpet_area_sq_m": float(r[3])})
        for hdr, rows in tables.get("unit_types", []):
            for r in rows:
                units.append({"name": r[0], "carpet_area_sq_m": float(r[1]), "built_up_area_sq_m": float(r[2]),
                              "super_built_up_area_sq_m": float(r[3]), "price_in_inr": float(r[4].replace(",", ""))})
        quarterly = []
        q_tables = tables.get("quarterly_updates", [])
        if q_tables:
            for r in q_tables[0][1]:
                quarterly.append({"quarter": r[0], "year": r[1], "status": r[2], "completion_percent": float(r[3]),
                                  "remarks": r[4]})
        else:
            gs = self.grid("grid_status")
            seen = set()
            if gs:
                h = gs[0]
                for cells, _ in gs[1]:
                    if all(x == "0" for x in cells):
                        continue
                    key = (cells[h.index("From Date")], cells[h.index("To Date")])
                    if key in seen:
                        continue
                    seen.add(key)
                    import datetime as dt
                    to = dt.datetime.strptime(key[1], "%d %b %Y").date()
                    quarterly.append({"quarter": "Q%d" % ((to.month - 1) // 3 + 1), "year": str(to.year),
                                      "status": cells[h.index("Project Status")],
                                      "completion_percent": float(cells[h.index("Completion(%)")]), "remarks": None})
        locs = []
        am = self.grid("Single_gv_ProjectList")
        if am and "Latitude" in am[0]:
            h = am[0]
            for cells, nodes in am[1]:
                try:
                    la = float(cells[h.index("Latitude")].replace(",", "."))
                    lo = float(cells[h.index("Longitude")].replace(",", "."))
                except ValueError:
                    continue
                if not in_box(la, lo):
                    continue
                imgs = [x for x in nodes[h.index("Image")].iter() if x.tag == "img"]
                prog = re.search(r"[0-9.]+", cells[h.index("Progress Status(%)")])
                locs.append({"source_type": "amenity", "latitude": la, "longitude": lo,
                             "particulars": cells[h.index("Particulars")],
                             "image_url": imgs[0].get("src") if imgs else None,
                             "from_date": cells[h.index("From Date")], "to_date": cells[h.index("To Date")],
                             "progress_percent": float(prog.group(0)) if prog else None})
            if locs:
                n = len(locs)
                locs.append({"source_type": "amenity_centroid", "latitude": sum(x["latitude"] for x in locs) / n,
                             "longitude": sum(x["longitude"] for x in locs) / n,
                             "particulars": "Computed centroid of amenity locations", "image_url": None,
                             "from_date": None, "to_date": None, "progress_percent": None})
        for n in self.all:
            if n.tag == "iframe" and "google.com/maps" in n.get("src", ""):
                m = re.search(r"!2d(-?[0-9.]+)!3d(-?[0-9.]+)", n.get("src"))
                if m and in_box(float(m.group(2)), float(m.group(1))):
                    locs.append({"source_type": "map_iframe", "latitude": float(m.group(2)),
                                 "longitude": float(m.group(1)), "particulars": None, "image_url": None,
                                 "from_date": None, "to_date": None, "progress_percent": None})
        return {"metadata": {"schema_version": "1.0", "state_code": "CG"}, "project_details": pd,
                "promoter_details": [prom], "land_details": land, "building_details": building, "unit_types": units,
                "bank_details": bank, "documents": self.documents(), "quarterly_updates": quarterly,
                "rera_locations": locs}

    def inventory(self):
        a = b = 0
        for n in self.all:
            if n.tag == "span" and n.get("class") in ("bg_llg", "bg_lly") and norm(n.text()):
                if n.get("class") == "bg_llg":
                    a += 1
                else:
                    b += 1
        return {"available": a, "booked": b} if (a or b) else None


class ListingPage:
    """Rows of the listing grid and the map_init payload."""

    def __init__(self, text):
        self.text = text
        self.root = parse(text)
        self.all = self.root.iter()
        self.hidden = {}
        for n in self.all:
            if n.tag == "input" and n.get("type") == "hidden" and n.get("name", "").startswith("__"):
                self.hidden[n.get("name")] = n.get("value", "")

    def rows(self):
        t = None
        for n in self.all:
            if n.get("id") == "ContentPlaceHolder1_gv_ProjectList" and n.tag == "table":
                t = n
                break
        if t is None:
            return None
        rows = table_rows(t)
        out = []
        for r in rows[1:]:
            if len(r) != 15:
                continue
            reg_span = [x for x in r[2].iter() if x.tag == "span" and "Label_Project_Name" in x.get("id", "")]
            web = [x.get("href") for x in r[11].iter() if x.tag == "a"]
            view = [x for x in r[13].iter() if x.tag == "a"]
            out.append({
                "sn": int(norm(r[0].text())),
                "project_name": norm(r[1].text()),
                "registration_number": norm(reg_span[0].text()) if reg_span else None,
                "completed": "**" in r[2].text(),
                "authorised_name": norm(r[3].text()), "promoter_name": norm(r[4].text()),
                "project_type": norm(r[5].text()), "district": norm(r[6].text()), "tehsil": norm(r[7].text()),
                "approved_date": norm(r[8].text()), "proposed_end_date": norm(r[9].text()),
                "extended_end_date": norm(r[10].text()), "website": web[0] if web else None,
                "certificate": "expired" if "Expired" in r[12].text() else "link",
                "view_target": re.search(r"__doPostBack\('([^']*)'", view[0].get("href")).group(1) if view else None,
            })
        return out

    def map_init(self):
        m = re.search(r"map_init\('(.*?)','21\.2620511'", self.text, re.S)
        return json.loads(m.group(1).replace("\\'", "'")) if m else None

    def selected(self, name):
        for n in self.all:
            if n.tag == "select" and n.get("name") == "ctl00$ContentPlaceHolder1$" + name:
                return [(o.get("value"), norm(o.text())) for o in n.iter() if o.tag == "option"], \
                    [o.get("value") for o in n.iter() if o.tag == "option" and "selected" in o.attrs]
        return None
