"""Detail pages (Promoter_Reg_Only_View_Application_new.aspx) and their ground truth.

One function, ``build_detail(world, app_id)``, renders the page of one application id and, in
the same pass, records the V1 values it put on the page, so page and truth cannot drift apart.
All randomness is seeded from the registration number of the page's project.
"""
import base64
import datetime as dt
import html
import re
import uuid

from .world import (INDIA_BOX, REFERENCE_DATE, add_months, fmt_dmy, in_box, month_end, my_id_for,
                    norm_text, person_name, seeded)

CP = "ctl00$ContentPlaceHolder1$"
CPID = "ContentPlaceHolder1_"

HINDI_DISTRICT = {"Raipur": "रायपुर", "Bilaspur": "बिलासपुर", "Durg": "दुर्ग", "Rajnandgaon": "राजनांदगांव",
                  "Raigarh": "रायगढ़", "Korba": "कोरबा", "Bastar": "बस्तर", "Surguja": "सरगुजा",
                  "Dhamtari": "धमतरी", "Janjgir-Champa": "जांजगीर-चांपा", "Kanker": "कांकेर",
                  "Mahasamund": "महासमुंद", "Bemetara": "बेमेतरा", "Balod": "बालोद"}
HINDI_HEAD = {"project": "परियोजना विवरण", "promoter": "प्रमोटर विवरण", "bank": "बैंक विवरण",
              "documents": "दस्तावेज़", "quarterly": "त्रैमासिक प्रगति", "land": "भूमि विवरण"}
HINDI_REMARKS = ["कार्य प्रगति पर है", "निर्माण कार्य जारी", "कार्य पूर्ण", "सड़क निर्माण प्रगति पर"]
REMARKS = ["Work in progress", "Internal roads laid", "Structure work ongoing", "Finishing work in progress",
           "Boundary wall completed", "Water supply line laid", "As per schedule", "Delay due to monsoon"]

FIRM_TYPES = ["Company", "Partnership Firm", "Proprietorship Firm", "Individual",
              "Government/Semi Government Agency", "Society", "Limited Liability Partnership", "Trust"]
BANKS = [("State Bank of India", "SBIN0"), ("Bank of Baroda", "BARB0"), ("Punjab National Bank", "PUNB0"),
         ("HDFC Bank", "HDFC0"), ("ICICI Bank", "ICIC0"), ("Axis Bank", "UTIB0"),
         ("Union Bank of India", "UBIN0"), ("Canara Bank", "CNRB0"), ("IDBI Bank", "IBKL0"),
         ("Bank of India", "BKID0"), ("Central Bank of India", "CBIN0"), ("Indian Bank", "IDIB0")]
AMENITIES = ["INTERNAL ROADS AND FOOTPATHS", "WATER SUPPLY", "SEWERAGE", "STORM WATER DRAINS",
             "STREET LIGHTING", "COMMUNITY BUILDINGS/ CLUB HOUSE", "BOUNDARY WALL", "SECURITY SERVICE", "GYM",
             "PLACE OF WORSHIP", "LANDSCAPING AND TREE PLANTING", "SOLID WASTE MANAGEMENT AND DISPOSAL",
             "RAIN WATER HARVESTING", "ELECTRIC METER ROOM,SUB STATION,RECIEVING STATIOM"]
STREETS = ["MAIN ROAD", "STATION ROAD", "G E ROAD", "RING ROAD NO 1", "VIP ROAD", "JAIL ROAD", "CIVIL LINES",
           "SHANKAR NAGAR", "PANDRI", "TELIBANDHA", "NEHRU NAGAR", "SUPELA", "VYAPAR VIHAR", "SARKANDA"]
LAND_STATUS = ["Owned", "Freehold", "Leasehold", "Joint Development Agreement", "Diverted (Non Agricultural)"]

# Documents: (group heading, label, file prefix).
DOCS = [
    ("Project Specific", "Registration Certificate", "Reg_Certi_"),
    ("Project Specific", "Bank Account PassBook Front Page", "PASSBOOK_"),
    ("Project Specific", "Fee Calculation Sheet", "FEESHEET_"),
    ("Land Documents", "Encumbrances on Land/Non-Encumbrances Certificate", "ENUM_"),
    ("Land Documents", "Search Report", "SEARCH_REPORT_"),
    ("Approval From Competent Authoroties", "Approval Letter of Town And Country Planning", "TAC_"),
    ("Approval From Competent Authoroties", "Layout Plan / Sanctioned Layout Plan", "LAYOUT_"),
    ("Approval From Competent Authoroties", "Modified Layout Plan", "DEVE_PER_COM_AUTH_"),
    ("Approval From Competent Authoroties", "Development Permission from competent authorities", "DEVE_PER_COM_AUTH_"),
    ("Project Specific", "Project Specifications", "PSPEC_"),
    ("Project Specific", "Development Team Details", "DEVTEAM"),
    ("Project Specific", "Development Work Plan", "WORKPLAN"),
    ("Segment Specific", "Affidavit Cum Declaration", "AFFIDAVIT"),
    ("Segment Specific", "Undertaking by the Promoter for pending documents (ANNEX-08)", "UNDERTAKING"),
    ("Segment Specific", "Engineer Certificate", "ENGGCERTI"),
    ("Segment Specific", "CA Certificate", "CACERTI"),
    ("Acts &amp; Rules", "Self Declaration by the Promoter for those documents which are not applicable (ANNEX-07)",
     "SELF_DECLARATION_"),
    ("Acts &amp; Rules", "Brief Details of Current Project along with Stilt and Cover Parking Details (ANNEX-11)",
     "BRIEF_DETAILS_"),
    ("Acts &amp; Rules", "CA Certificate(For New Project (ANNEXURE-01) and FOR Ongoing Project (ANNEXURE-02))",
     "CA_NEW_ONGOING"),
]


_VARIANTS = {}


def esc(s):
    return html.escape(str(s), quote=True)


def file_name(prefix, rng, ext="pdf"):
    u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    sep = "" if prefix.endswith("_") else "_"
    return "%s%s%s.%s" % (prefix, sep, u, ext)


def label_norm(s):
    """The original mapper's label normal form: drop [..]/(..), lowercase, keep [a-z0-9]."""
    s = re.sub(r"\[[^\]]*\]|\([^)]*\)", "", s.lower())
    return re.sub(r"[^a-z0-9]", "", s)


def title_case(s):
    small = {"of", "in", "and", "on", "to", "by", "for"}
    words = s.split(" ")
    return " ".join(w if (w in small and i) else (w[:1].upper() + w[1:]) for i, w in enumerate(words))


class Mess:
    """Per-page switches for real-world mess."""

    def __init__(self, rng, has_pos):
        self.label_sections = rng.random() < 0.4
        self.iframe = has_pos and rng.random() < 0.45
        self.amenity_coords = self.label_sections and rng.random() < 0.85
        self.sloppy = rng.random() < 0.3
        self.devanagari = rng.random() < 0.25
        self.entities = rng.random() < 0.35
        self.hectares = rng.random() < 0.4
        self.repeat_rows = rng.random() < 0.3
        self.zero_rows = rng.random() < 0.25
        self.area_typo = rng.random() < 0.3
        self.preview_links = rng.random() < 0.2
        self.missing = {k for k in ("bank", "professionals", "grid_docs", "grid_documents_amount_withdrawl",
                                    "grid_brief_plot", "gv_ProjectList", "documents", "grid_status")
                        if rng.random() < 0.08}

    def as_dict(self):
        d = dict(self.__dict__)
        d["missing"] = sorted(self.missing)
        return d


class Page:
    """Accumulates HTML; knows how sloppy to be."""

    def __init__(self, mess, rng):
        self.out = []
        self.mess = mess
        self.rng = rng

    def w(self, *parts):
        self.out.extend(parts)

    def text(self, s):
        """Escape text, with entity mess when enabled."""
        t = esc(s)
        if self.mess.entities:
            t = t.replace("&#x27;", "&#39;")
            if self.rng.random() < 0.3:
                t = t.replace(" ", "&nbsp;", 1)
            if self.rng.random() < 0.2:
                t = t.replace("/", "&#47;")
        return t

    def tag(self, name):
        return name.upper() if self.mess.sloppy and self.rng.random() < 0.15 else name

    def td_close(self):
        return "" if self.mess.sloppy and self.rng.random() < 0.35 else "</td>"

    def tr_close(self):
        return "" if self.mess.sloppy and self.rng.random() < 0.25 else "</tr>"

    def attr(self, name, value):
        v = str(value)
        if self.mess.sloppy and re.fullmatch(r"[A-Za-z0-9_$.:-]+", v) and self.rng.random() < 0.4:
            return " %s=%s" % (name, v)
        return ' %s="%s"' % (name, esc(v))

    def html(self):
        return "".join(self.out)


def build_detail(world, app_id):
    """(html, truth, files) for one application id; None if the id has no page."""
    reg = world.page_registration(app_id)
    if reg is None:
        return None
    p, row = world.by_reg[reg]
    rng = seeded("detail", reg)
    loc = p["project_address"]
    has_pos = bool(row["location"]) and row["location"] != "0"
    mess = Mess(rng, has_pos)
    pg = Page(mess, rng)
    files = {}
    app_dir = "../Content/ProjectDocuments/Application_%d/" % app_id
    district, tehsil = p["district"], p["tehsil"]
    dev_type = p["development_type"]
    is_plotted = dev_type in ("4", "5", "6", "7")
    org_type = row["organisation_type"] or "Partnership Firm"
    hindi_d = HINDI_DISTRICT.get(district, "छत्तीसगढ़")

    # ---------------------------------------------------------------- generated values
    project_name = p["project_name"]
    address = p["project_address"]
    if mess.devanagari and rng.random() < 0.5:
        address = "%s, %s (छ.ग.)" % (address, hindi_d)
    end_date = row["proposed"]
    est_cost = rng.randrange(50, 5000) * 100000 + rng.randrange(0, 100) * 1000
    land_cost = rng.randrange(10, 2000) * 100000 + rng.randrange(0, 100) * 1000
    promoter_name = row["promoter_name"]
    street = rng.choice(STREETS)
    pin = "49%04d" % rng.randrange(0, 10000)
    reg_addr = "%d, %s, %s %s %s" % (rng.randint(1, 999), street,
                                     "NEAR STATE BANK & POST OFFICE," if rng.random() < 0.3 else "",
                                     tehsil.upper(), pin)
    reg_addr = " ".join(reg_addr.replace(" ,", ",").split())
    if mess.devanagari and rng.random() < 0.5:
        reg_addr += " / %s" % hindi_d
    slug = re.sub(r"[^a-z0-9]", "", promoter_name.lower())[:14] or "promoter"
    email = "%s%d@%s" % (slug, rng.randint(1, 99), rng.choice(["gmail.com", "yahoo.co.in", "rediffmail.com"]))
    mobile = "%d%09d" % (rng.choice([6, 7, 8, 9]), rng.randrange(10 ** 9))
    bank, ifsc_prefix = rng.choice(BANKS)
    branch = rng.choice([tehsil.upper(), district.upper(), street])
    acct = "".join(str(rng.randrange(10)) for _ in range(rng.choice([11, 13, 14, 15, 16])))
    if rng.random() < 0.2:
        acct = "00" + acct[2:]
    acct_name = "RERA DESIGNATED ACCOUNT %s" % project_name.upper()
    ifsc = ifsc_prefix + "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(6))
    pan = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3)) + \
        {"Company": "C", "Individual": "P", "Proprietorship Firm": "P"}.get(org_type, "F") + \
        promoter_name[:1].upper().replace(" ", "A") + "%04d" % rng.randrange(10000) + rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
    cin = ("U70100CT%d%s%06d" % (rng.randint(1995, 2020), rng.choice(["PTC", "PLC"]), rng.randrange(10 ** 6))
           if org_type == "Company" else None)
    locality = world.locality_of.get(reg)
    professionals = {
        "stat_ca_name": "CA " + person_name(rng), "stat_ca_mem_no": "%06d" % rng.randrange(10 ** 6),
        "quarter_ca_name": "CA " + person_name(rng), "quarter_ca_mem_no": "%06d" % rng.randrange(10 ** 6),
        "engineer_name": person_name(rng), "engineer_lic_no": "ENG/%d/%d" % (rng.randint(2000, 2020), rng.randint(100, 9999)),
        "arch_name": "AR. " + person_name(rng), "arch_lic_no": "CA/%d/%d" % (rng.randint(1995, 2020), rng.randint(10000, 99999)),
    }
    if mess.entities and rng.random() < 0.5:
        professionals["stat_ca_name"] = "M/S %s & ASSOCIATES" % rng.choice(["GUPTA", "JAIN", "SHARMA", "AGRAWAL"])

    # plan: groups of plots / flats
    n_groups = rng.randint(1, 3)
    groups = []
    for g in range(n_groups):
        if is_plotted:
            gname = "Group %s" % "ABC"[g] if rng.random() < 0.5 else "%s" % "ABC"[g]
            gtype = rng.choice(["Residential", "Residential", "Commercial", "EWS", "LIG"])
            total = rng.randint(8, 140)
            area = total * rng.randint(90, 300)
        else:
            gname = "Tower %s" % "ABC"[g] if rng.random() < 0.6 else "Block-%s" % "ABC"[g]
            gtype = rng.choice(["1 BHK", "2 BHK", "3 BHK", "Shop", "Office"]) if dev_type in ("2", "3") else \
                rng.choice(["1 BHK", "2 BHK", "3 BHK", "EWS", "LIG"])
            total = rng.randint(8, 120)
            area = total * rng.randint(40, 140)
        groups.append({"plot_group": gname, "plots_type": gtype, "plot_area_sq_m": area, "total_plots": total})
    total_units = sum(g["total_plots"] for g in groups)
    total_area_m2 = float(sum(g["plot_area_sq_m"] for g in groups) + rng.randint(500, 5000))

    # quarters
    approved = row["approved"]
    completed = row["completed"]
    quarters = []
    start = approved
    q_end = month_end(add_months(dt.date(start.year, ((start.month - 1) // 3) * 3 + 1, 1), 2))
    if (q_end - start).days < 60:
        q_end = month_end(add_months(q_end, 3))
    limit = min(REFERENCE_DATE, add_months(row["proposed"], 30))
    while q_end <= limit and len(quarters) < 40:
        quarters.append((start, q_end))
        start = q_end + dt.timedelta(days=1)
        q_end = month_end(add_months(start, 2))
    keep = len(quarters) if rng.random() < 0.6 else rng.randint(0, len(quarters))
    quarters = quarters[:keep][-14:]
    nq = len(quarters)
    final_pct = 100 if completed else rng.randint(20, 95)
    pcts = sorted(rng.randint(0, final_pct) for _ in range(nq))
    if nq:
        pcts[-1] = final_pct
    q_status = ["Completed" if (completed and i == nq - 1) else "Ongoing" for i in range(nq)]
    booked_hist = []
    for g in groups:
        b = sorted(rng.randint(0, g["total_plots"]) for _ in range(nq))
        booked_hist.append(b)
    amen = rng.sample(AMENITIES, rng.randint(4, 10))
    amen_hist = []
    for a in amen:
        fin = 100 if completed else rng.choice([0, 20, 40, 50, 60, 80, 100])
        v = sorted(rng.choice([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]) for _ in range(nq))
        v = [min(x, fin) for x in v]
        if nq:
            v[-1] = fin
        amen_hist.append(v)
    remarks_l = [(rng.choice(HINDI_REMARKS) if mess.devanagari and rng.random() < 0.5 else rng.choice(REMARKS))
                 for _ in range(nq)]
    pct_fmt = "%d" if rng.random() < 0.7 else "%.2f"

    truth_docs = []
    extras = {"estimated_construction_cost_inr": est_cost, "land_cost_inr": land_cost,
              "bank_account_name": None, "professionals": {}, "quarters": [], "plot_summary": [],
              "amenity_progress": [], "grid_documents": [], "inventory": None, "units": None}

    # ---------------------------------------------------------------- page: head
    my_id = my_id_for(app_id)
    pg.w('<!DOCTYPE html>\n\n<html xmlns="http://www.w3.org/1999/xhtml">\n<head><meta http-equiv="Content-Type" '
         'content="text/html; charset=utf-8" /><title>\n\tReal Estate Regulatory Authority\n</title>'
         '<link href="Content/bootstrap.css" rel="stylesheet" /><link href="Content/custom_style.css" rel="stylesheet" />'
         '<script src="Scripts/jquery-1.11.3.min.js"></script>\n'
         '<script type="text/javascript">function OpenModel(u){window.open(u,"_blank");}</script></head>\n<body>\n')
    vs = "/wEPDwUK" + base64.b64encode(rng.randbytes(rng.randint(900, 2400))).decode()
    pg.w('<form method="post" action="./Promoter_Reg_Only_View_Application_new.aspx?MyID=%s" id="form1">\n'
         % esc(my_id.replace("=", "%3d")))
    pg.w('<div class="aspNetHidden">\n<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="%s" />\n</div>\n' % vs)
    pg.w('\n<div class="aspNetHidden">\n\n\t<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" '
         'value="5D6E7F1A" />\n</div>\n')
    pg.w('<header><div class="logo"><h3 style="font-size: 28px;" class="first">Real Estate Regulatory Authority</h3>'
         '<h3 style="font-size: 18px;" class="second">Chhattisgarh</h3></div></header>\n')
    if mess.sloppy:
        pg.w('<div class="main_content"><p>\n<!-- application view -->\n')
    else:
        pg.w('<div class="main_content">\n')
    pg.w('<div class="row text-center"><h3><b>Project Detail</b></h3></div>\n')
    pg.w('<div class="row"><div class="col-sm-12 text-center"><label>Registration No :</label> '
         '<span id="%slbl_reg_no" style="font-weight:bold;">%s</span></div></div>\n' % (CPID, esc(reg)))

    # ---------------------------------------------------------------- form helpers
    form_fields = {}

    def heading(text, key=None):
        t = text
        if mess.devanagari and key in HINDI_HEAD:
            t = "%s / %s" % (text, HINDI_HEAD[key])
        pg.w('<div class="panel-heading"><%s>%s</%s></div>\n' % (pg.tag("h4"), t, pg.tag("h4")))

    def field_row(label, control):
        td = pg.tag("td")
        pg.w("<%s><%s><label>%s</label>%s<%s>%s%s%s\n" % (pg.tag("tr"), td, label, pg.td_close(), td, control,
                                                          pg.td_close(), pg.tr_close()))

    def inp(name, value, label):
        form_fields[name] = norm_text(value)
        a = pg.attr("name", CP + name) + pg.attr("type", "text") + pg.attr("value", value) + \
            ' readonly="readonly"' + pg.attr("id", CPID + name) + ' class="form-control"'
        field_row(label, "<%s%s />" % (pg.tag("input"), a))

    def sel(name, options, selected_text, label):
        form_fields[name] = norm_text(selected_text)
        opts = ['\n\t<option value="0">--Select--</option>']
        for v, t in options:
            s = ' selected="selected"' if t == selected_text else ""
            close = "" if mess.sloppy and rng.random() < 0.3 else "</option>"
            opts.append('\n\t<option%s value="%s">%s%s' % (s, esc(v), esc(t), close))
        ctl = '<select name="%s" id="%s" disabled="disabled" class="aspNetDisabled form-control">%s\n</select>' % (
            CP + name, CPID + name, "".join(opts))
        field_row(label, ctl)

    def textarea(name, value, label):
        form_fields[name] = norm_text(value)
        ctl = '<textarea name="%s" rows="2" cols="20" readonly="readonly" id="%s" class="form-control">\r\n%s</textarea>' % (
            CP + name, CPID + name, pg.text(value))
        field_row(label, ctl)

    def table_open(cls="table table-bordered"):
        pg.w('<%s class="%s">\n' % (pg.tag("table"), cls))

    # ---------------------------------------------------------------- project form
    pg.w('<div class="panel panel-default">\n')
    heading("Project Detail", "project")
    table_open()
    inp("txt_proj_name", project_name, "Project Name")
    sel("DropDownList5", [(k, t) for k, t in sorted(
        {"1": "Group Housing", "2": "Commercial", "3": "Mixed Development", "4": "Plotted Development",
         "5": "Commercial Plotted Development", "6": "Residential Plotted Development",
         "7": "Mixed Plotted Development"}.items())], p["project_type"], "Project Type")
    sel("ApplicantType", [("1", "New"), ("2", "Ongoing")], p["project_status"], "Project Status")
    sel("State_Name", [("22", "Chhattisgarh")], "Chhattisgarh", "State")
    sel("District_Name", world.district_options, district, "District")
    sel("Tehsil_Name", world.tehsil_options.get(district, []), tehsil, "Tehsil")
    textarea("AadharNumber", address, "Project Address")
    inp("txtenddate", end_date.strftime("%d-%m-%Y"), "Proposed End Date")
    inp("txtecoc", str(est_cost), "Estimated Cost of Construction (In Rs.)")
    inp("txtecol", str(land_cost), "Cost of Land (In Rs.)")
    pg.w("</table>\n</div>\n")

    # ---------------------------------------------------------------- promoter form
    pg.w('<div class="panel panel-default">\n')
    heading("Promoter Detail", "promoter")
    table_open()
    inp("txt_p_name", promoter_name, "Promoter Name")
    sel("DropDownList1", [(str(i + 1), t) for i, t in enumerate(FIRM_TYPES)], org_type, "Type of Firm")
    textarea("txt_p_registeredaddress", reg_addr, "Registered Address")
    inp("txt_pemail", email, "E-mail")
    inp("txt_pmobile", mobile, "Mobile No.")
    pg.w("</table>\n</div>\n")

    bank_truth = []
    if "bank" not in mess.missing:
        pg.w('<div class="panel panel-default">\n')
        heading("RERA Designated Bank Account Detail", "bank")
        table_open()
        inp("TextBox2", acct, "Account No.")
        inp("TextBox3", acct_name, "Account Name")
        inp("TextBox4", bank, "Bank Name")
        inp("TextBox5", branch, "Branch")
        inp("TextBox6", ifsc, "IFSC Code")
        pg.w("</table>\n</div>\n")
        bank_truth = [{"bank_name": bank, "branch_name": norm_text(branch), "account_number": acct, "ifsc_code": ifsc}]
        extras["bank_account_name"] = norm_text(acct_name)

    if "professionals" not in mess.missing:
        pg.w('<div class="panel panel-default">\n')
        heading("Details of Professionals")
        table_open()
        pg.w('<tr><th>Professional</th><th>Name</th><th>Membership / Licence No.</th></tr>\n')
        for who, caption in (("stat_ca", "Chartered Accountant (Statutory Audit)"),
                             ("quarter_ca", "Chartered Accountant (Quarterly Certificate)"),
                             ("engineer", "Engineer"), ("arch", "Architect")):
            nk = who + "_name"
            mk = who + ("_mem_no" if who.endswith("ca") else "_lic_no")
            pg.w('<tr><td>%s</td><td><span id="%slbl_%s">%s</span></td><td><span id="%slbl_%s">%s</span></td></tr>\n' % (
                caption, CPID, nk, pg.text(professionals[nk]), CPID, mk, esc(professionals[mk])))
            extras["professionals"][nk] = norm_text(professionals[nk])
            extras["professionals"][mk] = professionals[mk]
        pg.w("</table>\n</div>\n")

    # ---------------------------------------------------------------- label/value sections (original layout)
    pd_truth = {
        "registration_number": reg, "project_name": norm_text(project_name), "project_type": p["project_type"],
        "project_status": p["project_status"], "district": district, "tehsil": tehsil,
        "village_or_locality": None, "pincode": None, "project_address": norm_text(address),
        "project_website_url": None, "total_units": None, "total_area_sq_m": None, "launch_date": None,
        "expected_completion_date": end_date.isoformat(),
    }
    promoter_truth = {"name": norm_text(promoter_name), "organisation_type": org_type, "address": norm_text(reg_addr),
                      "email": email, "phone": mobile, "pan": None, "cin": None}
    land_truth, building_truth, unit_truth = [], [], []
    section_map = {s["logical_section"]: s for s in world.sections}

    def variant(section, key):
        cands = _VARIANTS.get((section, key))
        if cands is None:
            keys = section_map[section]["keys"]
            others = {label_norm(v) for k, vs in keys.items() if k != key for v in vs}
            cands = [title_case(v) for v in keys[key] if label_norm(v) not in others and label_norm(v)]
            _VARIANTS[(section, key)] = cands
        return rng.choice(cands)

    def section_title(section, extra=""):
        t = title_case(rng.choice(section_map[section]["section_title_variants"]))
        return t + extra

    def lv_open(title, key=None):
        if mess.devanagari and key in HINDI_HEAD and rng.random() < 0.6:
            title = "%s / %s" % (title, HINDI_HEAD[key])
        if rng.random() < 0.5:
            pg.w('<div class="row"><div class="col-sm-12"><%s>%s</%s></div></div>\n' % (pg.tag("h4"), title, pg.tag("h4")))
        else:
            pg.w('<div class="row"><div class="col-sm-12"><strong>%s</strong></div></div>\n' % title)
        pg.w('<table class="table table-striped" width="100%">\n')

    def lv(label, value_html):
        colon = ":" if rng.random() < 0.3 else ""
        td = pg.tag("td")
        pg.w('<tr><%s style="width:40%%"><label>%s%s</label>%s<%s><span>%s</span>%s%s\n' % (
            td, label, colon, pg.td_close(), td, value_html, pg.td_close(), pg.tr_close()))

    def fmt_date_var(d):
        f = rng.choice(["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "dmy", "%d.%m.%Y"])
        return fmt_dmy(d) if f == "dmy" else d.strftime(f)

    def fmt_area(m2):
        """(text, truth m2): hectares or square metres, as the real data mixes them."""
        if mess.hectares and rng.random() < 0.7:
            ha = "%.4f" % (m2 / 10000.0)
            return rng.choice(["%s Hectare", "%s Hect.", "%s Ha"]) % ha, round(float(ha) * 10000.0, 2)
        v = round(m2, 2)
        style = rng.randrange(4)
        if style == 0:
            return "%.2f" % v, v
        if style == 1:
            return "{:,.2f}".format(v), v
        if style == 2:
            return "%d Sq.Mt." % int(v), float(int(v))
        return "%.2f sq m" % v, v

    if mess.label_sections:
        website = row["website"]
        extra = " [ Registration No : %s ] [ Project Web Address : %s ]" % (reg, website or "NA") \
            if rng.random() < 0.6 else ""
        lv_open(section_title("project_details", extra), "project")
        lv(variant("project_details", "registration_number"), esc(reg))
        lv(variant("project_details", "project_name"), pg.text(project_name))
        lv(variant("project_details", "project_type"), esc(p["project_type"]))
        lv(variant("project_details", "project_status"), esc(p["project_status"]))
        lv(variant("project_details", "district"), esc(district))
        lv(variant("project_details", "tehsil"), esc(tehsil))
        if locality:
            lv(variant("project_details", "village_or_locality"), esc(locality))
            pd_truth["village_or_locality"] = locality
        lv(variant("project_details", "project_address"), pg.text(address))
        ppin = "49%04d" % rng.randrange(10000)
        lv(variant("project_details", "pincode"), ppin)
        pd_truth["pincode"] = ppin
        if website:
            lv(variant("project_details", "project_website"), '<a href="%s" target="_blank">%s</a>' % (esc(website), esc(website)))
            pd_truth["project_website_url"] = website
        lv(variant("project_details", "total_units"), str(total_units))
        pd_truth["total_units"] = total_units
        a_txt, a_m2 = fmt_area(total_area_m2)
        lv(variant("project_details", "total_area_sq_m"), esc(a_txt))
        pd_truth["total_area_sq_m"] = a_m2
        lv(variant("project_details", "launch_date"), esc(fmt_date_var(approved)))
        pd_truth["launch_date"] = approved.isoformat()
        lv(variant("project_details", "expected_completion_date"), esc(fmt_date_var(end_date)))
        lv(variant("project_details", "project_phases"), str(rng.randint(1, 3)))
        lv(variant("project_details", "has_litigation"), rng.choice(["No", "NO", "Nil"]))
        pg.w("</table>\n")

        lv_open(section_title("promoter_details"), "promoter")
        lv(variant("promoter_details", "name"), pg.text(promoter_name))
        lv(variant("promoter_details", "organisation_type"), esc(org_type))
        lv(variant("promoter_details", "address"), pg.text(reg_addr))
        lv(variant("promoter_details", "email"), esc(email))
        lv(variant("promoter_details", "phone"), esc(mobile))
        lv(variant("promoter_details", "pan"), esc(pan))
        promoter_truth["pan"] = pan
        if cin:
            lv(variant("promoter_details", "cin"), esc(cin))
            promoter_truth["cin"] = cin
        lv(variant("promoter_details", "authorized_signatory"), esc(row["authorised_name"]))
        pg.w("</table>\n")

        lv_open(section_title("land_details"), "land")
        khasra = ", ".join(str(rng.randint(1, 1500)) + rng.choice(["", "/1", "/2", "/3"]) for _ in range(rng.randint(1, 5)))
        lv(variant("land_details", "khasra_numbers"), esc(khasra))
        land_m2 = total_area_m2 + rng.randint(0, 2000)
        l_txt, l_m2 = fmt_area(land_m2)
        lv(variant("land_details", "land_area_sq_m"), esc(l_txt))
        lstat = rng.choice(LAND_STATUS)
        lv(variant("land_details", "land_status"), esc(lstat))
        laddr = "Village %s, Tehsil %s, District %s" % (locality or tehsil, tehsil, district)
        lv(variant("land_details", "land_address"), esc(laddr))
        lv(variant("land_details", "patwari_halka"), str(rng.randint(1, 120)))
        pg.w("</table>\n")
        land_truth = [{"land_area_sq_m": l_m2, "land_status": lstat, "land_address": laddr, "khasra_numbers": khasra}]

        if not is_plotted:
            pg.w('<div class="row"><div class="col-sm-12"><h4>%s</h4></div></div>\n' % section_title("building_details"))
            pg.w('<table class="table table-bordered"><tr><th>Tower Name</th><th>No of Floors</th>'
                 '<th>No of Units</th><th>Carpet Area (Sq M)</th></tr>\n')
            for g in groups:
                floors = rng.randint(3, 14)
                carpet = round(g["plot_area_sq_m"] * 0.82, 2)
                pg.w("<tr><td>%s</td><td>%d</td><td>%d</td><td>%.2f</td></tr>\n" % (esc(g["plot_group"]), floors,
                                                                                  g["total_plots"], carpet))
                building_truth.append({"name": g["plot_group"], "number_of_floors": floors,
                                       "number_of_units": g["total_plots"], "carpet_area_sq_m": carpet})
            pg.w("</table>\n")

        pg.w('<div class="row"><div class="col-sm-12"><h4>%s</h4></div></div>\n' % section_title("unit_types"))
        pg.w('<table class="table table-bordered"><tr><th>Unit Type</th><th>Carpet Area (Sq M)</th>'
             '<th>Built-up Area (Sq M)</th><th>Super Built-up Area (Sq M)</th><th>Unit Price (INR)</th></tr>\n')
        seen_types = []
        for g in groups:
            if g["plots_type"] in seen_types:
                continue
            seen_types.append(g["plots_type"])
            per = g["plot_area_sq_m"] / g["total_plots"]
            carpet, built, sup = round(per * 0.8, 2), round(per * 0.92, 2), round(per, 2)
            price = float(rng.randrange(8, 150) * 50000)
            pg.w("<tr><td>%s</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%s</td></tr>\n" % (
                esc(g["plots_type"]), carpet, built, sup, "{:,.0f}".format(price)))
            unit_truth.append({"name": g["plots_type"], "carpet_area_sq_m": carpet, "built_up_area_sq_m": built,
                               "super_built_up_area_sq_m": sup, "price_in_inr": price})
        pg.w("</table>\n")

        if "bank" not in mess.missing:
            lv_open("Bank Details(RERA designated account)", "bank")
            lv(variant("bank_details", "bank_name"), esc(bank))
            lv(variant("bank_details", "branch_name"), esc(branch))
            lv(variant("bank_details", "account_number"), acct)
            lv(variant("bank_details", "ifsc_code"), ifsc)
            pg.w("</table>\n")
    # pincode rule without an explicit field: first 6-digit number of the address
    if pd_truth["pincode"] is None:
        m = re.search(r"\b(\d{6})\b", norm_text(address))
        pd_truth["pincode"] = m.group(1) if m else None

    # ---------------------------------------------------------------- documents
    if "documents" not in mess.missing:
        pg.w('<div class="panel panel-default">\n')
        heading("Documents", "documents")
        chosen = [d for d in DOCS if d[2] == "Reg_Certi_" or rng.random() < 0.7]
        group = None
        for gname, label, prefix in chosen:
            if gname != group:
                if group is not None:
                    pg.w("</div>\n")
                pg.w('<div class="row"><div class="col-sm-12"><strong>%s</strong></div>\n' % gname)
                group = gname
            empty = rng.random() < 0.1
            fname = "" if empty else file_name(prefix, rng)
            href = app_dir + fname
            text = "Preview" if mess.preview_links else "View"
            if mess.sloppy and rng.random() < 0.3:
                link = "<A href='%s' target=_blank>%s</A>" % (href, text)
            elif rng.random() < 0.15 and not empty:
                link = '<a href="javascript:void(0);" onclick="OpenModel(\'%s\')">%s</a>' % (href, text)
            else:
                link = '<a href="%s" target="_blank" class="btn btn-link">%s</a>' % (href, text)
            pg.w('<div class="col-sm-6"><label>%s</label>&nbsp;%s</div>\n' % (esc(label), link))
            if not empty:
                files[fname] = ("pdf", label)
                truth_docs.append({"name": label, "document_type": prefix.rstrip("_"), "url": href, "uploaded_on": None})
        if group is not None:
            pg.w("</div>\n")
        pg.w("</div>\n")

    # ---------------------------------------------------------------- grids
    def grid(name, headers, rows, empty_text="No Data Found"):
        if name in mess.missing:
            return
        pg.w('<div>\n\t<table cellspacing="0" rules="all" class="table table-bordered" border="1" id="%s%s" '
             'style="border-collapse:collapse;">\n\t\t<tr>\n' % (CPID, name))
        pg.w("".join('\t\t\t<th scope="col">%s</th>' % h for h in headers))
        pg.w("\n\t\t</tr>")
        if not rows:
            pg.w('<tr>\n\t\t\t<td colspan="%d">%s</td>\n\t\t</tr>' % (len(headers), empty_text))
        for r in rows:
            td = pg.tag("td")
            pg.w("<%s>\n" % pg.tag("tr"))
            for c in r:
                pg.w("\t\t\t<%s>%s%s" % (td, c, pg.td_close()))
            pg.w("\n\t\t%s" % pg.tr_close())
        pg.w("\n\t</table>\n</div>\n")

    def pdf_link(prefix):
        fname = file_name(prefix, rng)
        files[fname] = ("pdf", prefix)
        return '<a href="%s%s" target="_blank">View</a>' % (app_dir, fname), app_dir + fname

    na = '<a href="javascript:void(0);">NA</a>'

    def qrows(base_rows):
        """Mess up per-quarter rows: repeated quarters, 0 placeholder rows."""
        rows = list(base_rows)
        if mess.repeat_rows and rows:
            for _ in range(rng.randint(1, 2)):
                i = rng.randrange(len(rows))
                rows.insert(i + 1, rows[i])
        if mess.zero_rows and rows:
            width = len(rows[0])
            rows.insert(rng.randrange(len(rows) + 1), ["0"] * width)
        return rows

    pg.w('<div class="panel panel-default">\n')
    heading("Quarterly Progress", "quarterly")
    status_rows = []
    for i, (a, b) in enumerate(quarters):
        last = i == nq - 1
        if completed and last:
            l1, u1 = pdf_link("COM_CER_ARCHI_")
            l2, u2 = pdf_link("COM_CER_CA_")
            extras["grid_documents"] += [u1, u2]
        else:
            l1 = l2 = na
        status_rows.append([str(i + 1), fmt_dmy(a), fmt_dmy(b), q_status[i], pct_fmt % pcts[i], l1, l2])
        extras["quarters"].append({"from_date": a.isoformat(), "to_date": b.isoformat(), "project_status": q_status[i],
                                   "completion_percent": float(pct_fmt % pcts[i])})
    grid("grid_status", ["S.No.", "From Date", "To Date", "Project Status", "Completion(%)",
                         "Completion Certificate by Architect", "Completion Certificate by Competent Authority"],
         qrows(status_rows))
    if "grid_status" in mess.missing:
        extras["quarters"] = []
        extras["grid_documents"] = []

    plot_headers = ["From Date", "To Date", "Plot Group", "Plots Type", "Plot Area(Sq.Metre)", "Total Plots",
                    "Total Plot Sold/Booked"]
    single_plot = []
    if nq:
        a, b = quarters[-1]
        for gi, g in enumerate(groups):
            single_plot.append([fmt_dmy(a), fmt_dmy(b), esc(g["plot_group"]), esc(g["plots_type"]),
                                str(g["plot_area_sq_m"]), str(g["total_plots"]), str(booked_hist[gi][-1])])
            extras["plot_summary"].append({"plot_group": g["plot_group"], "plots_type": g["plots_type"],
                                           "plot_area_sq_m": float(g["plot_area_sq_m"]),
                                           "total_plots": g["total_plots"], "booked": booked_hist[gi][-1]})
        pd_truth["total_units"] = total_units
    grid("Single_grid_brief_plot", plot_headers, single_plot)
    all_plot = []
    typo_q = rng.randrange(nq) if (mess.area_typo and nq > 1) else -1
    for qi, (a, b) in enumerate(quarters):
        for gi, g in enumerate(groups):
            area = g["plot_area_sq_m"]
            if qi == typo_q and gi == 0:
                s = str(area)
                area = int(s[:1] + str(rng.randrange(10)) + s[1:]) if rng.random() < 0.5 else int(s[:-1] or "0")
            all_plot.append([fmt_dmy(a), fmt_dmy(b), esc(g["plot_group"]), esc(g["plots_type"]), str(area),
                             str(g["total_plots"]), str(booked_hist[gi][qi])])
    grid("grid_brief_plot", plot_headers, qrows(all_plot))

    pg.w('<div class="row"><div class="col-sm-12"><h4>Amenities Details (Only Available)</h4></div></div>\n')
    lat0 = lon0 = None
    if has_pos and "|" in row["location"]:
        try:
            lat0, lon0 = (float(x) for x in row["location"].split("|", 1))
        except ValueError:
            lat0 = lon0 = None
    am_headers = ["From Date", "To Date", "Particulars", "Progress Status(%)"]
    if mess.amenity_coords:
        am_headers += ["Latitude", "Longitude"]
    am_headers += ["Image"]
    locations = []
    single_am = []
    if nq:
        a, b = quarters[-1]
        for ai, name in enumerate(amen):
            prog = amen_hist[ai][-1]
            r = [fmt_dmy(a), fmt_dmy(b), esc(name), "%d%%" % prog if rng.random() < 0.7 else str(prog)]
            img_url = None
            if rng.random() < 0.75:
                fname = file_name("AminitiesPHOTO_%d" % (ai + 1), rng, "jpg")
                files[fname] = ("jpg", name)
                img_url = app_dir + fname
                img = '<a href="%s" target="_blank"><img src="%s" width="60" height="60" /></a>' % (img_url, img_url)
            else:
                img = ""
            if mess.amenity_coords:
                if lat0 is None:
                    r += ["", ""]
                elif (lat0 == 0 and lon0 == 0) or rng.random() < 0.1:
                    r += ["0", "0"]
                else:
                    la = "%.6f" % (lat0 + rng.uniform(-0.002, 0.002))
                    lo = "%.6f" % (lon0 + rng.uniform(-0.002, 0.002))
                    r += [la, lo]
                    if in_box(float(la), float(lo), INDIA_BOX):
                        locations.append({"source_type": "amenity", "latitude": float(la), "longitude": float(lo),
                                          "particulars": name, "image_url": img_url, "from_date": fmt_dmy(a),
                                          "to_date": fmt_dmy(b), "progress_percent": float(prog)})
            r.append(img)
            single_am.append(r)
            extras["amenity_progress"].append({"particulars": name, "progress_percent": float(prog)})
    grid("Single_gv_ProjectList", am_headers, single_am)
    if locations:
        n = len(locations)
        locations.append({"source_type": "amenity_centroid",
                          "latitude": sum(x["latitude"] for x in locations) / n,
                          "longitude": sum(x["longitude"] for x in locations) / n,
                          "particulars": "Computed centroid of amenity locations", "image_url": None,
                          "from_date": None, "to_date": None, "progress_percent": None})
    all_am = []
    for qi, (a, b) in enumerate(quarters):
        for ai, name in enumerate(amen):
            all_am.append([fmt_dmy(a), fmt_dmy(b), esc(name), "%d%%" % amen_hist[ai][qi], ""])
    grid("gv_ProjectList", ["From Date", "To Date", "Particulars", "Progress Status(%)", "Image"], qrows(all_am))

    doc_rows = []
    for qi, (a, b) in enumerate(quarters):
        cells = [fmt_dmy(a), fmt_dmy(b)]
        for prefix in ("CA_QUARTER_", "ENGG_QUARTER_", "ARCH_QUARTER_"):
            if rng.random() < 0.8:
                lnk, u = pdf_link(prefix)
                if "grid_docs" not in mess.missing:
                    extras["grid_documents"].append(u)
                cells.append(lnk)
            else:
                cells.append(na)
        doc_rows.append(cells)
    grid("grid_docs", ["From Date", "To Date", "CA Certificate", "Engg Certificate", "Architect Certificate"], doc_rows)
    wd_rows = []
    for qi, (a, b) in enumerate(quarters):
        if rng.random() < 0.3:
            cells = [fmt_dmy(a), fmt_dmy(b)]
            for prefix in ("AMOUNT_CA_QUARTER_", "AMOUNT_ENGG_QUARTER_", "AMOUNT_ARCH_QUARTER_"):
                lnk, u = pdf_link(prefix)
                if "grid_documents_amount_withdrawl" not in mess.missing:
                    extras["grid_documents"].append(u)
                cells.append(lnk)
            wd_rows.append(cells)
    grid("grid_documents_amount_withdrawl", ["From Date", "To Date", "CA Certificate", "Engg Certificate",
                                             "Architect Certificate"], wd_rows)
    pg.w("</div>\n")

    # ---------------------------------------------------------------- quarterly updates (label layout)
    q_truth = []
    seen_q = set()
    if "grid_status" not in mess.missing:
        for i, (a, b) in enumerate(quarters):
            key = (a, b)
            if key in seen_q:
                continue
            seen_q.add(key)
            q_truth.append({"quarter": "Q%d" % ((b.month - 1) // 3 + 1), "year": str(b.year), "status": q_status[i],
                            "completion_percent": float(pct_fmt % pcts[i]), "remarks": None})
    if mess.label_sections and nq:
        pg.w('<div class="row"><div class="col-sm-12"><h4>%s</h4></div></div>\n' % section_title("quarterly_updates"))
        pg.w('<table class="table table-bordered"><tr><th>Quarter</th><th>Year</th><th>Status</th>'
             '<th>Completion (%)</th><th>Remarks</th></tr>\n')
        for i, (a, b) in enumerate(quarters):
            pg.w("<tr><td>Q%d</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>\n" % (
                (b.month - 1) // 3 + 1, b.year, q_status[i], pct_fmt % pcts[i], pg.text(remarks_l[i])))
        pg.w("</table>\n")
        q_truth = []
        for i, (a, b) in enumerate(quarters):
            q_truth.append({"quarter": "Q%d" % ((b.month - 1) // 3 + 1), "year": str(b.year), "status": q_status[i],
                            "completion_percent": float(pct_fmt % pcts[i]), "remarks": norm_text(remarks_l[i])})

    # ---------------------------------------------------------------- map iframe
    if mess.iframe and "|" in row["location"]:
        la_s, lo_s = row["location"].split("|", 1)
        try:
            la, lo = float(la_s), float(lo_s)
        except ValueError:
            la = lo = None
        if la is not None:
            pg.w('<div class="row"><div class="col-sm-12"><iframe src="https://www.google.com/maps/embed?pb=!1m18!1m12!1m3'
                 '!1d3720.5!2d%s!3d%s!2m3!1f0!2f0!3f0!3m2!1i1024!2i768!4f13.1!3m3!1m2!1s0x0%%3A0x0!2z!5e0!3m2!1sen!2sin'
                 '!4v1600000000000" width="600" height="450" frameborder="0" style="border:0;" allowfullscreen="">'
                 '</iframe></div></div>\n' % (lo_s, la_s))
            if in_box(la, lo, INDIA_BOX):
                locations.append({"source_type": "map_iframe", "latitude": la, "longitude": lo, "particulars": None,
                                  "image_url": None, "from_date": None, "to_date": None, "progress_percent": None})

    # ---------------------------------------------------------------- inventory and unit list
    if mess.label_sections and nq and total_units <= 300:
        booked = sum(b[-1] for b in booked_hist)
        pg.w('<div class="row"><div class="col-sm-12"><h4>Inventory Status</h4></div>\n<div class="col-sm-12">')
        k = 0
        for gi, g in enumerate(groups):
            for u in range(g["total_plots"]):
                cls = "bg_lly" if u < booked_hist[gi][-1] else "bg_llg"
                pg.w('<span class="%s">%s-%d</span>' % (cls, "ABC"[gi], u + 1))
                k += 1
        pg.w('</div>\n<div class="col-sm-12"><span class="bg_llg">&nbsp;</span> Available '
             '<span class="bg_lly">&nbsp;</span> Booked/Sold</div></div>\n')
        extras["inventory"] = {"available": total_units - booked, "booked": booked}
        if not is_plotted:
            pg.w('<div class="row"><div class="col-sm-12"><h4>Brief Details Apartment/Flat</h4></div></div>\n')
            pg.w('<table class="table table-bordered"><tr><th>Block</th><th>Floor</th><th>Flat/Unit No</th>'
                 '<th>Type</th><th>Carpet Area</th></tr>\n')
            units = []
            for gi, g in enumerate(groups):
                per = round(g["plot_area_sq_m"] / g["total_plots"] * 0.8, 2)
                for u in range(min(g["total_plots"], 12)):
                    floor = u // 4
                    no = "%s-%d%02d" % ("ABC"[gi], floor, u % 4 + 1)
                    pg.w("<tr><td>%s</td><td>%d</td><td>%s</td><td>%s</td><td>%.2f</td></tr>\n" % (
                        esc(g["plot_group"]), floor, no, esc(g["plots_type"]), per))
                    units.append({"block": g["plot_group"], "floor": floor, "unit_no": no, "type": g["plots_type"],
                                  "carpet_area_sq_m": per})
            pg.w("</table>\n")
            extras["units"] = units

    if mess.sloppy:
        pg.w("</span></div>\n<br>\n<p>Note: all documents are self attested by the promoter\n")
    pg.w('</div>\n<footer><div class="footer_links"><p>Copyright &copy; 2025 Real Estate Regulatory Authority, '
         'Chhattisgarh. All Rights Reserved.</p></div></footer>\n</form>\n</body>\n</html>\n')

    truth = {
        "registration_number": reg,
        "application_id": app_id,
        "my_id": my_id,
        "detail_path": "/Promoter_Reg_Only_View_Application_new.aspx?MyID=" + my_id,
        "listing_registrations": list(world.listed_at.get(app_id, [])),
        "mess": mess.as_dict(),
        "v1": {
            "metadata": {"schema_version": "1.0", "state_code": "CG"},
            "project_details": pd_truth,
            "promoter_details": [promoter_truth],
            "land_details": land_truth,
            "building_details": building_truth,
            "unit_types": unit_truth,
            "bank_details": bank_truth,
            "documents": truth_docs,
            "quarterly_updates": q_truth,
            "rera_locations": locations,
        },
        "form_fields": form_fields,
        "extras": extras,
    }
    return pg.html(), truth, files
