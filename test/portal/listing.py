"""The listing page Approved_project_List.aspx, as the ASP.NET server sends it (before DataTables).

The page is the real saved page's template (data/listing_template.html) with the grid, the
map_init payload, the hidden fields and the select options filled in.
"""
import base64
import hashlib
import hmac
import html
import json
import os
import re

from .world import DATA_DIR, seeded

CAPTCHA_ERROR_TEXT = "Invalid Security Code.please try again"
HEADERS = ["SN", "ProjectName", "Registration Number", "Authorised Name", "Promoter Name", "Project Type",
           "District", "Tehsil", "Approved Date", "Proposed End Date", "Extended Proposed End Date", "Website",
           "View Certificate", "Details", "Map"]
GV = "ctl00$ContentPlaceHolder1$gv_ProjectList$"
GVID = "ContentPlaceHolder1_gv_ProjectList_"
VS_MAGIC = b"\xff\x01\x0f\x0fRMSIM"
PAD = " " * 64


def ctl(i):
    return "ctl%02d" % (i + 2)


def esc(s):
    return html.escape(str(s), quote=False)


ROW = (
    '<tr>\n\t\t\t<td style="width:5%;">\n' + PAD + '{sn} \n' + PAD[:-4] + '</td><td>{name}</td><td>\n'
    + PAD + '<input type="hidden" name="' + GV + '{ctl}$hdn1" id="' + GVID + 'hdn1_{i}" value="{hdn1}" />\n'
    + PAD + '<input type="hidden" name="' + GV + '{ctl}$HiddenField1" id="' + GVID + 'HiddenField1_{i}" />\n'
    + PAD + '<input type="hidden" name="' + GV + '{ctl}$HiddenField2" id="' + GVID + 'HiddenField2_{i}" value="{hf2}" />\n'
    + PAD + '<input type="hidden" name="' + GV + '{ctl}$HiddenField3" id="' + GVID + 'HiddenField3_{i}" value="{hf3}" />\n'
    + PAD + ' {span2}\n'
    + PAD + '<span id="' + GVID + 'Label_Project_Name_{i}">{reg}</span>\n' + PAD + '\n' + PAD + PAD[:58]
    + '</td><td>{auth}</td><td>{promoter}</td><td>{ptype}</td><td>{district}</td><td>{tehsil}</td><td>{approved}</td><td>\n'
    + PAD + '{proposed}\n' + PAD[:-4] + '</td><td>\n' + PAD + '{extended}\n' + PAD + '        \n' + PAD[:-4] + '\n'
    + PAD[:-4] + '</td><td style="color:Blue;">\n' + PAD + '{website}\n\n' + PAD[:-4] + '</td><td style="width:100px;">\n\n'
    + PAD + ' {cert}\n' + PAD[:-8] + '\n' + PAD[:-2] + '\n' + PAD[:-4] + '</td><td style="width:100px;">\n'
    + PAD + '<a id="' + GVID + 'lnk_View_{i}" class="btn btn-small btn-success" href="javascript:__doPostBack(&#39;'
    + GV + '{ctl}$lnk_View&#39;,&#39;&#39;)"><i class="fa fa-eye"> </i></a>\n' + PAD[:-4] + '</td><td>\n'
    + PAD + '<a id="' + GVID + 'lnk_View_map_{i}" class="btn btn-small btn-success" href="javascript:__doPostBack(&#39;'
    + GV + '{ctl}$lnk_View_map&#39;,&#39;&#39;)"><i class="fa fa-map-marker"> </i></a>\n' + PAD + '\n' + PAD[:-4]
    + '</td>\n\t\t</tr>'
)


def render_row(i, r):
    c = ctl(i)
    span2 = ('<span id="%sSpan2_%d" style="color:orangered;font-weight:900;font-size:x-large;"> **</span>' % (GVID, i)
             if r["completed"] else "")
    if r["certificate"] == "expired":
        cert = '<span id="%sSpan1_%d" class="btnc"> Expired</span>' % (GVID, i)
    else:
        cert = ('<a id="%sLinkButton1_%d" class="btn btn-small btn-success" href="javascript:__doPostBack(&#39;%s%s'
                '$LinkButton1&#39;,&#39;&#39;)"><i class="fa fa-eye"> </i></a>' % (GVID, i, GV, c))
    website = ('<a href="%s" target="_blank" class="btn btn-small btn-success"><i class="fa fa-globe"></i>\n%s</a>'
               % (html.escape(r["website"]), PAD) if r["website"] else "")
    return ROW.format(sn=r["sn"] if "display_sn" not in r else r["display_sn"], i=i, ctl=c, name=esc(r["project_name"]),
                      hdn1=r["hdn1"], hf2="1" if r["completed"] else "0", hf3=r["hidden_field3"], span2=span2,
                      reg=esc(r["registration_number"]), auth=esc(r["authorised_name"]),
                      promoter=esc(r["promoter_name"]), ptype=esc(r["project_type"]), district=esc(r["district"]),
                      tehsil=esc(r["tehsil"]), approved=r["approved_date"], proposed=r["proposed_end_date"],
                      extended=r["extended_end_date"], website=website, cert=cert)


def render_grid(rows):
    if not rows:
        return ('<table cellspacing="0" rules="all" class="table table-striped table-bordered" border="1" '
                'id="ContentPlaceHolder1_gv_ProjectList" style="border-collapse:collapse;">\n\t\t<tr>\n\t\t\t'
                '<td colspan="15">No Record Found</td>\n\t\t</tr>\n\t</table>')
    out = ['<table cellspacing="0" rules="all" class="table table-striped table-bordered" border="1" '
           'id="ContentPlaceHolder1_gv_ProjectList" style="border-collapse:collapse;">\n\t\t<tr>\n\t\t\t',
           "".join('<th scope="col">%s</th>' % h for h in HEADERS), "\n\t\t</tr>"]
    for i, r in enumerate(rows):
        out.append(render_row(i, dict(r, display_sn=i + 1)))
    out.append("\n\t</table>")
    return "".join(out)


def options_html(options, selected, first):
    out = []
    sel_found = any(v == selected for v, _ in options)
    out.append('\n\t\t<option %svalue="0">%s</option>' % ('selected="selected" ' if not sel_found else "", first))
    for v, t in options:
        s = 'selected="selected" ' if (v == selected and sel_found) else ""
        out.append('\n\t\t<option %svalue="%s">%s</option>' % (s, html.escape(v), html.escape(t, quote=False)))
    out.append("\n")
    return "".join(out)


class Listing:
    def __init__(self, world, secret, viewstate_kb=1300):
        self.world = world
        self.secret = secret
        self.viewstate_kb = viewstate_kb
        with open(os.path.join(DATA_DIR, "listing_template.html"), encoding="utf-8") as f:
            t = f.read()
        self.parts = re.split(r"\{\{([A-Za-z_0-9]+)\}\}", t)
        self._cache = {}

    # ---------------------------------------------------------------- viewstate
    def make_viewstate(self, sid, filt, nrows):
        payload = json.dumps({"sid": sid, "f": filt}, sort_keys=True, separators=(",", ":")).encode()
        size = int(self.viewstate_kb * 1024 * 3 / 4 * nrows / 1988) + 1500
        filler = seeded("viewstate", sid, payload).randbytes(size)
        raw = VS_MAGIC + len(payload).to_bytes(2, "big") + payload + filler
        vs = base64.b64encode(raw).decode()
        ev = base64.b64encode(hmac.new(self.secret, vs.encode(), hashlib.sha256).digest()
                              + seeded("ev", vs[:64]).randbytes(180)).decode()
        return vs, ev

    def check_viewstate(self, vs, ev):
        """The filter a posted viewstate carries, or raises ValueError (state invalid/corrupted)."""
        try:
            raw = base64.b64decode(vs.encode("ascii"), validate=True)
        except Exception:
            raise ValueError("viewstate")
        if not raw.startswith(VS_MAGIC):
            raise ValueError("viewstate")
        n = int.from_bytes(raw[len(VS_MAGIC):len(VS_MAGIC) + 2], "big")
        try:
            payload = json.loads(raw[len(VS_MAGIC) + 2:len(VS_MAGIC) + 2 + n])
        except Exception:
            raise ValueError("viewstate")
        want = base64.b64encode(hmac.new(self.secret, vs.encode(), hashlib.sha256).digest()).decode()[:40]
        if not ev or not ev.startswith(want[:40]):
            raise ValueError("eventvalidation")
        return payload.get("f") or {}

    # ---------------------------------------------------------------- render
    def grid_and_map(self, filt):
        key = json.dumps(filt, sort_keys=True)
        hit = self._cache.get(key)
        if hit:
            return hit
        rows = self.world.filter_rows(filt)
        grid = render_grid(rows).encode("utf-8")
        payload = json.dumps([self.world.map_init[r["index"]] for r in rows], ensure_ascii=False,
                             separators=(",", ":")).replace("'", "\\'").encode("utf-8")
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[key] = (rows, grid, payload)
        return self._cache[key]

    def render(self, sid, filt, form=None, captcha_widget=None, captcha_error=False, show_grid=True):
        """Bytes of the listing page. form: posted values to reflect in the controls."""
        form = form or {}
        rows, grid, payload = self.grid_and_map(filt)
        vs, ev = self.make_viewstate(sid, filt, len(rows))
        w = self.world
        district = form.get("district", filt.get("district", "0"))
        dname = w.district_name.get(district)
        tehsils = w.tehsil_options.get(dname, []) if dname else []
        values = {
            "VIEWSTATE": vs, "EVENTVALIDATION": ev,
            "DISTRICT_OPTIONS": options_html(w.district_options, district, "Select District"),
            "TEHSIL_OPTIONS": options_html(tehsils, form.get("tehsil", filt.get("tehsil", "0")), "Select Tehsil"),
            "STATUS_OPTIONS": options_html(w.status_options, form.get("status", filt.get("status", "0")),
                                           "Select Project Status"),
            "TYPE_OPTIONS": options_html(w.type_options, form.get("type", filt.get("type", "0")), "Select Project Type"),
            "CAPTCHA_WIDGET": captcha_widget or '<div><span id="captcha"></span></div>',
            "CAPTCHA_ERROR": ('<span id="ContentPlaceHolder1_lbl_captcha_msg" style="color:Red;">%s</span>'
                              '<script type="text/javascript">alert(\'%s\');</script>'
                              % (CAPTCHA_ERROR_TEXT, CAPTCHA_ERROR_TEXT)) if captcha_error else "",
        }
        for name, key in (("txt_promoter_name", "promoter"), ("txt_proj_name", "name"), ("TextBox4", "reg")):
            v = form.get(key, filt.get(key, ""))
            values["VALUE_" + name] = (' value="%s"' % html.escape(v)) if v else ""
        out = []
        for i, part in enumerate(self.parts):
            if i % 2 == 0:
                out.append(part.encode("utf-8"))
            elif part == "GRID":
                out.append(grid if show_grid else b"")
            elif part == "MAP_INIT":
                out.append(payload if show_grid else b"[]")
            else:
                out.append(values[part].encode("utf-8"))
        return b"".join(out), rows

    def map_page(self, row):
        loc = row["location"] or ""
        la, _, lo = loc.partition("|")
        return ('<!DOCTYPE html>\n<html><head><title>Real Estate Regulatory Authority</title></head><body>'
                '<h3>Project Location Map</h3><p>%s</p><iframe src="https://www.google.com/maps/embed?pb=!1m14!1m8'
                '!1m3!1d3720.5!2d%s!3d%s!3m2!1i1024!2i768!4f13.1!3m3!1m2!1s0x0%%3A0x0!2z!5e0!3m2!1sen!2sin" '
                'width="600" height="450"></iframe></body></html>' % (esc(row["project_name"]), lo or "0", la or "0")
                ).encode("utf-8")
