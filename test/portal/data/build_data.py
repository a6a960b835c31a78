#!/usr/bin/env python3
"""Provenance: how the files in this folder were made from the shared reference data.

Run once by hand (not at test time):

    python3 test/portal/data/build_data.py /path/to/shared/data

It reads the real saved listing page and the project table and writes, next to this script:

* ``projects.json``        the 1,988 real projects (verbatim copy of cg_rera_projects.json)
* ``map_init.json``        the real ``map_init`` payload (1,988 objects, verbatim, compact JSON)
* ``listing_real_rows.json`` the 10 rows that the saved page really showed (columns the project
                            table lacks: authorised name, dates, website, completed marker, ...)
* ``listing_template.html`` the listing page with the grid, map payload, hidden-field values and
                            select options replaced by ``{{PLACEHOLDER}}`` markers, browser
                            artefacts (DataTables wrapper, Grammarly attributes, saved-from comment,
                            rewritten asset paths) removed, so that it looks like what the server sends
* ``listing_options.json`` the real option lists of the filter selects
* ``nominatim_samples.json``, ``logical_sections_and_keys.json`` verbatim copies

The simulator only reads the outputs; it never needs the shared folder.
"""
import json
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main(src):
    page = open(os.path.join(src, "cg_rera_approved_list.html"), encoding="utf-8").read()
    for name in ("cg_rera_projects.json", "nominatim_samples.json", "logical_sections_and_keys.json"):
        dst = "projects.json" if name == "cg_rera_projects.json" else name
        shutil.copyfile(os.path.join(src, name), os.path.join(HERE, dst))

    # --- map_init payload -------------------------------------------------------------
    i = page.index("map_init('[", 1700000) + len("map_init('")
    k = page.index("]'", i) + 1
    arr = json.loads(page[i:k])
    with open(os.path.join(HERE, "map_init.json"), "w", encoding="utf-8") as f:
        json.dump(arr, f, ensure_ascii=False, separators=(",", ":"))
    page = page[:i] + "{{MAP_INIT}}" + page[k:]

    # --- the 10 real rows ----------------------------------------------------------------
    t0 = page.index("<tbody>", page.index('id="ContentPlaceHolder1_gv_ProjectList"'))
    t1 = page.index("</tbody>", t0)
    rows = []
    for r in re.findall(r'<tr role="row".*?</tr>', page[t0:t1], re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
        txt = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells]
        web = re.findall(r'href="(http[^"]*)"', r)
        rows.append({
            "sn": int(txt[0]),
            "project_name": txt[1],
            "registration_number": txt[2].replace("**", "").strip(),
            "completed": "**" in txt[2],
            "hdn1": re.search(r'hdn1_\d+" value="(\d)"', r).group(1),
            "hidden_field3": re.search(r'HiddenField3_\d+" value="([^"]*)"', r).group(1),
            "authorised_name": txt[3],
            "promoter_name": txt[4],
            "project_type": txt[5],
            "approved_date": txt[8],
            "proposed_end_date": txt[9],
            "extended_end_date": txt[10],
            "website": web[0] if web else None,
            "certificate": "expired" if "Expired" in r else "link",
        })
    with open(os.path.join(HERE, "listing_real_rows.json"), "w", encoding="utf-8") as f:
        json.dump(rows, f, ensure_ascii=False, indent=1)

    # --- option lists -------------------------------------------------------------------
    def options(select_name):
        m = re.search(r'<select name="ctl00\$ContentPlaceHolder1\$%s".*?</select>' % select_name, page, re.S)
        return [[v, t] for v, t in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', m.group(0))]

    opts = {n: options(n) for n in ("District_Name", "Tehsil_Name", "ApplicantType", "DropDownList2")}
    with open(os.path.join(HERE, "listing_options.json"), "w", encoding="utf-8") as f:
        json.dump(opts, f, ensure_ascii=False, indent=1)

    # --- template -------------------------------------------------------------------------
    t = page
    t = re.sub(r"<!-- saved from url=[^>]*-->\n", "", t)
    t = t.replace(' data-new-gr-c-s-check-loaded="14.1263.0" data-gr-ext-installed=""', "")
    t = re.sub(r'(name="__VIEWSTATE" id="__VIEWSTATE" value=")[^"]*"', r'\1{{VIEWSTATE}}"', t)
    t = re.sub(r'(name="__EVENTVALIDATION" id="__EVENTVALIDATION" value=")[^"]*"', r'\1{{EVENTVALIDATION}}"', t)
    t = re.sub(r'(name="__EVENTTARGET" id="__EVENTTARGET" value=")[^"]*"', r'\1"', t)
    for sel, ph in (("District_Name", "DISTRICT_OPTIONS"), ("Tehsil_Name", "TEHSIL_OPTIONS"),
                    ("ApplicantType", "STATUS_OPTIONS"), ("DropDownList2", "TYPE_OPTIONS")):
        t = re.sub(r'(<select name="ctl00\$ContentPlaceHolder1\$%s"[^>]*>).*?(\s*</select>)' % sel,
                   lambda m: m.group(1) + "{{" + ph + "}}" + m.group(2), t, count=1, flags=re.S)
    for inp in ("txt_promoter_name", "txt_proj_name", "TextBox4"):
        t = t.replace('name="ctl00$ContentPlaceHolder1$%s" type="text"' % inp,
                      'name="ctl00$ContentPlaceHolder1$%s" type="text"{{VALUE_%s}}' % (inp, inp))
    t = t.replace('<div><span id="captcha"><canvas id="captcha" width="100" height="50"></canvas></span></div>',
                  "{{CAPTCHA_WIDGET}}")
    t = t.replace('placeholder="Security Code">', 'placeholder="Security Code">{{CAPTCHA_ERROR}}', 1)
    a = t.index('<div>\n\t<div id="ContentPlaceHolder1_gv_ProjectList_wrapper"')
    b = t.index("</div></div>\n</div>", a) + len("</div></div>\n</div>")
    t = t[:a] + "<div>\n\t{{GRID}}\n</div>" + t[b:]
    t = re.sub(r'(<div id="dvmap_new" style="width: 100%; height: 800px">).*?(</div>\n)',
               lambda m: m.group(1) + "</div>\n", t, count=1, flags=re.S)
    t = t.replace("https://rera.cgstate.gov.in/Approved_project_List.aspx#", "#")
    t = t.replace('action="https://rera.cgstate.gov.in/Approved_project_List.aspx"',
                  'action="./Approved_project_List.aspx"')
    t = t.replace("https://rera.cgstate.gov.in/Default.aspx", "Default.aspx")

    def asset(m):
        name = m.group(1).replace(".download", "")
        folder = "Scripts" if name.endswith(".js") or "." not in name or name.endswith(".axd") else "Content"
        return folder + "/" + name

    t = re.sub(r"\./Real Estate Regulatory Authority2_files/([^\"']+)", asset, t)
    t = t.replace(' style="display: none;"', ' style="display:none;"')
    with open(os.path.join(HERE, "listing_template.html"), "w", encoding="utf-8") as f:
        f.write(t)
    print("template", len(t), "bytes; rows", len(rows), "; map_init", len(arr))


if __name__ == "__main__":
    # run once by hand to refresh the copies in this folder; the simulator and the
    # tests only ever read those copies
    if len(sys.argv) != 2:
        sys.exit("usage: build_data.py SOURCE_DATA_DIR  (the folder holding cg_rera_projects.json etc.)")
    main(sys.argv[1])
