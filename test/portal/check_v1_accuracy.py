#!/usr/bin/env python3
"""How exactly V1 documents match the portal simulator's ground truth, field by field.

    python3 test/portal/check_v1_accuracy.py V1_DIR TRUTH_DIR [--misses N] [--json OUT]

V1_DIR holds the mapper's documents, one per page, named <registration>.json (the
page's own registration number); TRUTH_DIR is `python3 test/portal/server.py
--write-truth TRUTH_DIR` (one <registration>.json per page, index.json, listing.json).
It prints, for a fixed list of V1 fields, how many ground-truth values the documents
hold exactly (the denominator is the number of truth values of that field), then every
miss with its reason.  Exit status 0 when the overall figure reaches --target
(default 99.5 %), 1 otherwise.

What is compared (strings exactly, after the truth's own normal form " ".join(s.split());
numbers within 1e-6; dates as ISO strings):

* project_details.*, promoter_details[0].*, bank_details[0].* (+ account_name),
  land_details[i].*, building_details[i].*, unit_types[i].*: by position;
* documents: by url, then name and document_type;
* quarterly_updates: the truth's entries matched by (quarter, year) among the
  documents' kind "progress" entries: quarter, year, status, completion_percent, remarks;
* rera_locations: amenity entries by particulars, the centroid and the iframe by
  source type (listing_map entries come from the listing, not the page: not compared);
* extras (what realmap keeps beyond the original's V1): professionals.*, the costs, the
  grid_status periods (from/to/status/completion), the latest quarter's plot summary
  and amenity progress, the certificate links, the inventory counts and the unit list.
* Listing overlays: where the page has no value but the listing has (the mapper fills
  project_website_url, launch_date from the listing row, as the original's orchestrator
  did), the listing's value is expected; project_details.completed and
  extended_completion_date are compared with the listing (when the page is the
  listing's own).

Also used to fetch the pages first (a simulator must be running):

    python3 test/portal/check_v1_accuracy.py --fetch http://127.0.0.1:PORT TRUTH_DIR PAGES_DIR

writes PAGES_DIR/listing.html and PAGES_DIR/pages/<listed registration>.html (and
.url with the page's URL) for every listed registration.
"""
import argparse
import datetime as dt
import json
import math
import os
import sys
import urllib.request

MONTHS = {m: i + 1 for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                          "Nov", "Dec"])}
DETAIL = "/Promoter_Reg_Only_View_Application_new.aspx?MyID="


def norm(s):
    return " ".join(str(s).split()) if s is not None else None


def portal_date_iso(s):
    """'16 Feb 2018' -> '2018-02-16'; '-' / None -> None."""
    if not s or s.strip() in ("-", ""):
        return None
    d, m, y = s.split()
    return "%04d-%02d-%02d" % (int(y), MONTHS[m[:3]], int(d))


class Tally:
    def __init__(self):
        self.fields = {}   # field -> [hits, total]
        self.misses = []   # (registration, field, reason)
        self.spurious = []

    def check(self, reg, field, expected, actual, detail=""):
        """Counts one truth value; expected None means there is none to extract (a value
        the document has anyway is reported as spurious, not counted)."""
        if expected is None:
            if actual not in (None, "", [], {}):
                self.spurious.append((reg, field, "the page has none, the document says %s" % short(actual)))
            return
        f = self.fields.setdefault(field, [0, 0])
        f[1] += 1
        ok, reason = same(expected, actual)
        if ok:
            f[0] += 1
        else:
            self.misses.append((reg, field, reason + (" (%s)" % detail if detail else "")))

    def missing(self, reg, field, reason):
        f = self.fields.setdefault(field, [0, 0])
        f[1] += 1
        self.misses.append((reg, field, reason))


def short(v, n=80):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[:n - 3] + "..."


def same(expected, actual):
    if actual is None:
        return False, "missing: expected %s" % short(expected)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return (expected == actual), "expected %s, got %s" % (short(expected), short(actual))
    if isinstance(expected, (int, float)):
        if not isinstance(actual, (int, float)):
            return False, "expected the number %s, got %s" % (short(expected), short(actual))
        ok = math.isclose(float(expected), float(actual), rel_tol=1e-9, abs_tol=1e-6)
        return ok, "expected %s, got %s" % (short(expected), short(actual))
    if isinstance(expected, str):
        if not isinstance(actual, str):
            return False, "expected the string %s, got %s" % (short(expected), short(actual))
        return norm(expected) == norm(actual), "expected %s, got %s" % (short(expected), short(actual))
    return expected == actual, "expected %s, got %s" % (short(expected), short(actual))


def get(d, key):
    return d.get(key) if isinstance(d, dict) else None


def compare_records(t, reg, name, truth_list, doc_list, keys, extra=None):
    doc_list = doc_list or []
    for i, tr in enumerate(truth_list or []):
        dr = doc_list[i] if i < len(doc_list) else None
        for k in keys:
            field = "%s[].%s" % (name, k)
            if dr is None:
                if tr.get(k) is not None:
                    t.missing(reg, field, "no %s[%d] in the document" % (name, i))
                continue
            t.check(reg, field, tr.get(k), dr.get(k), "%s[%d]" % (name, i))
    if len(doc_list) > len(truth_list or []):
        t.spurious.append((reg, name, "%d entries, the truth has %d" % (len(doc_list), len(truth_list or []))))


def check_page(t, reg, truth, doc, listing):
    v1 = truth["v1"]
    ex = truth["extras"]
    own_listing = listing if (listing and listing["registration_number"] == reg) else None
    pd, dpd = v1["project_details"], doc.get("project_details") or {}
    for k in ("registration_number", "project_name", "project_type", "project_status", "district", "tehsil",
              "village_or_locality", "pincode", "project_address", "project_website_url", "total_units",
              "total_area_sq_m", "launch_date", "expected_completion_date"):
        expected = pd.get(k)
        field = "project_details." + k
        if expected is None and own_listing:
            if k == "project_website_url" and own_listing.get("website"):
                expected, field = own_listing["website"], field + " (listing overlay)"
            if k == "launch_date" and own_listing.get("approved_date"):
                expected, field = portal_date_iso(own_listing["approved_date"]), field + " (listing overlay)"
        t.check(reg, field, expected, dpd.get(k))
    if own_listing:
        t.check(reg, "project_details.completed (listing)", bool(own_listing["completed"]), dpd.get("completed"))
        t.check(reg, "project_details.extended_completion_date (listing)",
                portal_date_iso(own_listing.get("extended_end_date")), dpd.get("extended_completion_date"))
    compare_records(t, reg, "promoter_details", v1["promoter_details"], doc.get("promoter_details"),
                    ("name", "organisation_type", "address", "email", "phone", "pan", "cin"))
    compare_records(t, reg, "land_details", v1["land_details"], doc.get("land_details"),
                    ("land_area_sq_m", "land_status", "land_address", "khasra_numbers"))
    compare_records(t, reg, "building_details", v1["building_details"], doc.get("building_details"),
                    ("name", "number_of_floors", "number_of_units", "carpet_area_sq_m"))
    compare_records(t, reg, "unit_types", v1["unit_types"], doc.get("unit_types"),
                    ("name", "carpet_area_sq_m", "built_up_area_sq_m", "super_built_up_area_sq_m", "price_in_inr"))
    bank_truth = [dict(b, account_name=ex.get("bank_account_name")) for b in v1["bank_details"]]
    compare_records(t, reg, "bank_details", bank_truth, doc.get("bank_details"),
                    ("bank_name", "branch_name", "account_number", "ifsc_code", "account_name"))

    # documents by url
    docs = {d.get("url"): d for d in doc.get("documents") or []}
    for td in v1["documents"]:
        d = docs.pop(td["url"], None)
        if d is None:
            for k in ("url", "name", "document_type"):
                t.missing(reg, "documents[]." + k, "no document with url %s" % td["url"])
            continue
        t.check(reg, "documents[].url", td["url"], d.get("url"))
        t.check(reg, "documents[].name", td["name"], d.get("name"))
        t.check(reg, "documents[].document_type", td["document_type"], d.get("document_type"))
    for url in docs:
        t.spurious.append((reg, "documents", "a document the truth does not have: %s" % url))

    # quarterly updates by (quarter, year)
    progress = [q for q in doc.get("quarterly_updates") or [] if q.get("kind", "progress") == "progress"]
    by_qy = {}
    for q in progress:
        by_qy.setdefault((q.get("quarter"), q.get("year")), q)
    seen = set()
    for tq in v1["quarterly_updates"]:
        key = (tq["quarter"], tq["year"])
        seen.add(key)
        q = by_qy.get(key)
        for k in ("quarter", "year", "status", "completion_percent", "remarks"):
            field = "quarterly_updates[]." + k
            if q is None:
                if tq.get(k) is not None:
                    t.missing(reg, field, "no entry for %s %s" % key)
                continue
            t.check(reg, field, tq.get(k), q.get(k), "%s %s" % key)
    for key, q in by_qy.items():
        if key not in seen and (q.get("status") is not None or q.get("completion_percent") is not None):
            t.spurious.append((reg, "quarterly_updates", "an entry the truth does not have: %s %s" % key))

    # rera_locations (the page's own)
    locs = [l for l in doc.get("rera_locations") or [] if l.get("source_type") != "listing_map"]
    for tl in v1["rera_locations"]:
        st = tl["source_type"]
        cands = [l for l in locs if l.get("source_type") == st and
                 (st != "amenity" or l.get("particulars") == tl.get("particulars"))]
        l = cands[0] if cands else None
        if l is not None:
            locs.remove(l)
        for k in ("latitude", "longitude", "particulars", "image_url", "from_date", "to_date", "progress_percent"):
            field = "rera_locations[%s].%s" % (st, k)
            if l is None:
                if tl.get(k) is not None:
                    t.missing(reg, field, "no %s location %s" % (st, tl.get("particulars") or ""))
                continue
            t.check(reg, field, tl.get(k), l.get(k), tl.get("particulars") or st)
    for l in locs:
        t.spurious.append((reg, "rera_locations", "a location the truth does not have: %s" % short(l)))

    # extras: what realmap keeps beyond the original's V1
    prof = doc.get("professionals") or {}
    for k, v in (ex.get("professionals") or {}).items():
        t.check(reg, "professionals." + k, v, prof.get(k))
    for k in ("estimated_construction_cost_inr", "land_cost_inr"):
        t.check(reg, "project_details." + k, ex.get(k), dpd.get(k))
    by_period = {(q.get("from_date"), q.get("to_date")): q for q in progress if q.get("from_date")}
    for tq in ex.get("quarters") or []:
        q = by_period.get((tq["from_date"], tq["to_date"]))
        for k, dk in (("from_date", "from_date"), ("to_date", "to_date"), ("project_status", "status"),
                      ("completion_percent", "completion_percent")):
            field = "quarterly_updates[] (grid_status)." + dk
            if q is None:
                t.missing(reg, field, "no period %s to %s" % (tq["from_date"], tq["to_date"]))
                continue
            t.check(reg, field, tq[k], q.get(dk), "%s to %s" % (tq["from_date"], tq["to_date"]))
    dated = sorted((q for q in progress if q.get("to_date")), key=lambda q: q["to_date"])
    latest = dated[-1] if dated else {}
    plots = list(latest.get("plots") or [])
    for tp in ex.get("plot_summary") or []:
        p = next((p for p in plots if p.get("plot_group") == tp["plot_group"] and
                  p.get("plots_type") == tp["plots_type"]), None)
        for k in ("plot_group", "plots_type", "plot_area_sq_m", "total_plots", "booked"):
            field = "quarterly_updates[latest].plots[]." + k
            if p is None:
                t.missing(reg, field, "no plot group %s / %s in the latest period" % (tp["plot_group"], tp["plots_type"]))
                continue
            t.check(reg, field, tp[k], p.get(k))
    amen = list(latest.get("amenity_progress") or [])
    for ta in ex.get("amenity_progress") or []:
        a = next((a for a in amen if a.get("particulars") == ta["particulars"]), None)
        for k in ("particulars", "progress_percent"):
            field = "quarterly_updates[latest].amenity_progress[]." + k
            if a is None:
                t.missing(reg, field, "no amenity %s in the latest period" % ta["particulars"])
                continue
            t.check(reg, field, ta[k], a.get(k))
    cert_urls = set()
    for q in doc.get("quarterly_updates") or []:
        for c in q.get("certificates") or []:
            cert_urls.add(c.get("url"))
    for u in ex.get("grid_documents") or []:
        t.check(reg, "quarterly_updates[].certificates[].url", u, u if u in cert_urls else None)
    inv = ex.get("inventory")
    if inv:
        units = doc.get("units") or []
        t.check(reg, "units (inventory available)", inv["available"],
                sum(1 for u in units if u.get("status") == "Available"))
        t.check(reg, "units (inventory booked)", inv["booked"], sum(1 for u in units if u.get("status") == "Booked"))
    listed = [u for u in doc.get("units") or [] if u.get("block") is not None]
    for i, tu in enumerate(ex.get("units") or []):
        u = listed[i] if i < len(listed) else None
        for k in ("block", "floor", "unit_no", "type", "carpet_area_sq_m"):
            field = "units[]." + k
            if u is None:
                t.missing(reg, field, "no unit %s" % tu["unit_no"])
                continue
            exp = tu[k]
            act = u.get(k)
            if k == "floor":  # "string or integer, as written"
                exp, act = str(exp), (None if act is None else str(act))
            t.check(reg, field, exp, act, tu["unit_no"])


def fetch(base, truth_dir, out_dir):
    os.makedirs(os.path.join(out_dir, "pages"), exist_ok=True)
    with urllib.request.urlopen(base + "/Approved_project_List.aspx", timeout=120) as r:
        open(os.path.join(out_dir, "listing.html"), "wb").write(r.read())
    index = json.load(open(os.path.join(truth_dir, "index.json")))
    n = 0
    for e in index:
        url = base + DETAIL + e["my_id"]
        with urllib.request.urlopen(url, timeout=60) as r:
            body = r.read()
        p = os.path.join(out_dir, "pages", e["registration_number"])
        open(p + ".html", "wb").write(body)
        open(p + ".url", "w").write("https://rera.cgstate.gov.in" + DETAIL + e["my_id"] + "\n")
        n += 1
    print("fetched the listing and %d detail pages into %s" % (n, out_dir))


def main():
    ap = argparse.ArgumentParser(description="V1 documents against the simulator's ground truth")
    ap.add_argument("v1_dir", nargs="?")
    ap.add_argument("truth_dir", nargs="?")
    ap.add_argument("--fetch", nargs=3, metavar=("BASE_URL", "TRUTH_DIR", "PAGES_DIR"))
    ap.add_argument("--misses", type=int, default=200, help="misses to list (default 200; -1: all)")
    ap.add_argument("--target", type=float, default=99.5)
    ap.add_argument("--json", help="write the figures and misses here")
    a = ap.parse_args()
    if a.fetch:
        fetch(*a.fetch)
        return 0
    if not a.v1_dir or not a.truth_dir:
        ap.error("V1_DIR and TRUTH_DIR are required")
    index = json.load(open(os.path.join(a.truth_dir, "index.json")))
    listing = {r["registration_number"]: r for r in json.load(open(os.path.join(a.truth_dir, "listing.json")))}
    pages = sorted({e["truth_file"] for e in index if e["has_own_page"]})
    t = Tally()
    no_doc = []
    for tf in pages:
        truth = json.load(open(os.path.join(a.truth_dir, tf)))
        reg = truth["registration_number"]
        p = os.path.join(a.v1_dir, reg + ".json")
        if not os.path.exists(p):
            no_doc.append(reg)
            continue
        doc = json.load(open(p))
        check_page(t, reg, truth, doc, listing.get(reg))
    hits = sum(h for h, _ in t.fields.values())
    total = sum(n for _, n in t.fields.values())
    width = max(len(f) for f in t.fields) if t.fields else 10
    print("%-*s %9s %9s %9s" % (width, "field", "exact", "of", "%"))
    for f in sorted(t.fields):
        h, n = t.fields[f]
        print("%-*s %9d %9d %9.3f" % (width, f, h, n, 100.0 * h / n if n else 100.0))
    pct = 100.0 * hits / total if total else 0.0
    print("%-*s %9d %9d %9.3f" % (width, "ALL", hits, total, pct))
    print("pages with truth: %d, documents found: %d, missing documents: %d" %
          (len(pages), len(pages) - len(no_doc), len(no_doc)))
    for r in no_doc:
        print("  no document for", r)
    print("\nmisses: %d" % len(t.misses))
    for reg, field, reason in t.misses[: (None if a.misses < 0 else a.misses)]:
        print("  %s  %s: %s" % (reg, field, reason))
    print("\nvalues the truth does not have (not counted): %d" % len(t.spurious))
    for reg, field, reason in t.spurious[: (None if a.misses < 0 else a.misses)]:
        print("  %s  %s: %s" % (reg, field, reason))
    if a.json:
        json.dump({"fields": t.fields, "hits": hits, "total": total, "percent": pct, "misses": t.misses,
                   "spurious": t.spurious, "missing_documents": no_doc}, open(a.json, "w"), indent=1)
    return 0 if (pct >= a.target and not no_doc) else 1


if __name__ == "__main__":
    sys.exit(main())
