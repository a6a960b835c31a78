"""Benchmark of the Overpass and Nominatim emulations, without HTTP.

    python3 -m test.portal.bench_services [--overpass N] [--nominatim N] [--profile overpass|nominatim]
                                          [--dump FILE] [--services MODULE]

Loads the world as server.py does and sends the queries the realmap pipeline would send:
one Overpass query per project (realmap's default categories, at the project's position,
built like src/core/amenities/overpass_query.cpp) through one long-lived Overpass object
(the server keeps one, so its caches warm up as the run goes on), and the geocoding
candidates of every project (address, locality, tehsil, district level, built roughly like
src/core/geo/geocode_candidates.cpp) through one Nominatim object.  Prints queries per second
of this process's CPU time (time.process_time: the machine may be busy with other work, and
the simulator is bound by its one Python thread's CPU).

--dump FILE writes every query and its JSON answer (services.dumps), one per line, so the
answers of two versions of services.py can be compared byte for byte:
    python3 -m test.portal.bench_services --dump /tmp/new.txt
    git show HEAD:test/portal/services.py > /tmp/services_old.py
    python3 -m test.portal.bench_services --dump /tmp/old.txt --services /tmp/services_old.py
    cmp /tmp/old.txt /tmp/new.txt
"""
import argparse
import cProfile
import importlib
import importlib.util
import math
import pstats
import re
import time

from test.portal import server
from test.portal import world as world_mod

# realmap's default categories (src/core/amenities/amenity_categories.cpp): key, value and
# the largest radius (km) of the tag's category, which is what each statement's around: gets.
DEFAULT_TAGS = [
    ("amenity", "school", 5), ("amenity", "college", 8), ("amenity", "university", 8),
    ("amenity", "hospital", 5), ("amenity", "clinic", 3), ("amenity", "doctors", 3),
    ("amenity", "pharmacy", 2), ("shop", "supermarket", 3), ("shop", "convenience", 2),
    ("shop", "grocery", 2), ("shop", "mall", 8), ("amenity", "bank", 2), ("amenity", "atm", 2),
    ("amenity", "restaurant", 5), ("amenity", "cafe", 5), ("amenity", "fast_food", 5),
    ("leisure", "park", 5), ("leisure", "playground", 5),
    ("public_transport", "station", 10), ("public_transport", "stop_position", 10),
    ("railway", "station", 10), ("railway", "halt", 10), ("highway", "bus_stop", 10),
    ("railway", "stop", 10), ("railway", "tram_stop", 10),
]


def overpass_query(lat, lon, tags=DEFAULT_TAGS, timeout=60):
    """The query realmap's overpass_query() builds (7-decimal coordinates, radii in metres)."""
    tail = ",%.7f,%.7f);" % (lat, lon)
    body = "".join('nwr["%s"="%s"](around:%d%s' % (k, v, km * 1000, tail) for k, v, km in tags)
    return "[out:json][timeout:%d];(%s);out center;" % (timeout, body)


def project_position(world, p):
    """The project's RERA position when usable, else its tehsil's centre (where geocoding lands)."""
    lat, lon = p["latitude"], p["longitude"]
    if world_mod.in_box(lat, lon, world_mod.CG_BOX) and lat != lon:
        return lat, lon
    return world.tehsils_geo[(p["district"], p["tehsil"])]["centre"]


_DROP = {"NEAR", "OPP", "OPPOSITE", "AT", "C", "G", "CG", "CHHATTISGARH", "INDIA", "PIN", "CODE", "NO",
         "DIST", "DISTT", "DISTRICT", "TEHSIL", "TAHSIL", "TAH", "VILLAGE", "VILL", "VILLEGE", "GRAM", "MAUZA",
         "PATWARI", "HALKA", "P", "H", "KH", "WARD", "SECTOR", "PLOT"}


def geocode_candidates(world, p):
    """The candidate queries of one project, finest first (a rough copy of realmap's cleaning:
    numbers, markers and state/country words dropped; repeats of tehsil/district dropped)."""
    district, tehsil = p["district"], p["tehsil"]
    pin = re.search(r"\b(49\d{4})\b", p["project_address"] or "")
    words = [w for w in re.findall(r"[A-Za-z]+", p["project_address"] or "")
             if w.upper() not in _DROP and w.upper() not in (district.upper(), tehsil.upper())]
    line = " ".join(w.title() if w.isupper() else w for w in words)
    locality = world.locality_of.get(p["registration_number"]) or ""

    def join(*parts):
        out, keys = [], []
        for part in parts:
            k = re.sub(r"[^a-z0-9]", "", part.lower())
            if part and k not in keys:
                keys.append(k)
                out.append(part)
        return ", ".join(out)

    cands = [join(line, locality, tehsil, district, "Chhattisgarh", pin.group(1) if pin else "", "India"),
             join(locality, tehsil, district, "Chhattisgarh", "India") if locality else "",
             join(tehsil, district, "Chhattisgarh", "India"),
             join(district, "Chhattisgarh", "India")]
    seen, out = set(), []
    for c in cands:
        if c and c.lower() not in seen:
            seen.add(c.lower())
            out.append(c)
    return out


def overpass_queries(world, n):
    qs = [overpass_query(*project_position(world, p)) for p in world.projects]
    return [qs[i % len(qs)] for i in range(n)]


def nominatim_queries(world, n):
    qs = [c for p in world.projects for c in geocode_candidates(world, p)]
    # the real samples too (answered verbatim), as the pipeline meets some of them
    qs += [s["query"] for s in world.nominatim_samples]
    return [qs[i % len(qs)] for i in range(n)]


def load_services(path=None):
    """test.portal.services, or another version of it loaded from a file (as a module of
    this package, so its relative imports work), e.g. `git show HEAD:test/portal/services.py`."""
    if not path:
        return importlib.import_module("test.portal.services")
    spec = importlib.util.spec_from_file_location("test.portal._services_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--overpass", type=int, default=1988, help="Overpass queries (default: one per project)")
    ap.add_argument("--nominatim", type=int, default=20000, help="Nominatim searches")
    ap.add_argument("--overpass-gzip-level", type=int, default=1,
                    help="zlib level of Overpass answers (server.py's handle_overpass: 1; it was 6)")
    ap.add_argument("--profile", choices=("overpass", "nominatim"))
    ap.add_argument("--dump", help="write query<TAB>answer lines to this file")
    ap.add_argument("--services", help="a copy of services.py to benchmark instead (a file path)")
    args = ap.parse_args()
    services = load_services(args.services)

    t = time.process_time()
    world = world_mod.get_world()
    print("world loaded in %.2f s" % (time.process_time() - t))
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None

    def bench(name, make, queries, search, serve, gzip_level=None):
        """Two passes, each with a fresh object (cold caches, as a fresh server): search() alone,
        then serve() (the body the server sends: the JSON bytes) and its gzip (realmap's curl
        asks for gzip)."""
        prof = cProfile.Profile() if args.profile == name else None
        if prof:
            prof.enable()
        obj, answers = make(), 0
        t0 = time.process_time()
        for q in queries:
            r = search(obj, q)
            answers += len(r["elements"]) if isinstance(r, dict) else len(r)
        t_search = time.process_time() - t0
        if prof:
            prof.disable()
        obj, t_serve, t_gzip = make(), 0.0, 0.0
        for q in queries:
            t0 = time.process_time()
            body = serve(obj, q)
            t1 = time.process_time()
            if len(body) > 512:
                server.gzip_bytes(body, gzip_level)
            t_serve += t1 - t0
            t_gzip += time.process_time() - t1
            if dump:
                dump.write("%s\t%s\n" % (q, body.decode("utf-8")))
        n = len(queries)
        print("%-9s %5d queries, %7d elements: search %7.1f/s (%6.2f s); as JSON bytes %7.1f/s (%6.2f s); "
              "+ gzip %7.1f/s (%6.2f s)" % (name, n, answers, n / t_search, t_search, n / t_serve, t_serve,
                                           n / (t_serve + t_gzip), t_serve + t_gzip))
        if prof:
            pstats.Stats(prof).sort_stats("tottime").print_stats(20)

    if args.overpass:
        # what server.py's handle_overpass sends (Overpass.answer() if this version has it)
        serve = (lambda o, q: o.answer(q)) if hasattr(services.Overpass, "answer") else \
            (lambda o, q: services.dumps(o.run(q)))
        bench("overpass", lambda: services.Overpass(world), overpass_queries(world, args.overpass),
              lambda o, q: o.run(q), serve, args.overpass_gzip_level)
    if args.nominatim:
        bench("nominatim", lambda: services.Nominatim(world), nominatim_queries(world, args.nominatim),
              lambda o, q: o.search(q, addressdetails=True, limit=1),
              lambda o, q: services.dumps(o.search(q, addressdetails=True, limit=1)))
    if dump:
        dump.close()


if __name__ == "__main__":
    main()
