"""Listing page: all 1,988 rows from the real data, filters, postbacks, hidden fields, session."""
import json
import os
import re
import unittest

from test.portal import pagemodel
from test.portal._harness import SimServer

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
CP = "ctl00$ContentPlaceHolder1$"


def load(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return json.load(f)


class ListingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = SimServer("--viewstate-kb", "32", lifetime=600).start()
        cls.projects = load("projects.json")
        cls.options = load("listing_options.json")
        st, h, body = cls.sim.get("/Approved_project_List.aspx", headers={"Accept-Encoding": "gzip"})
        assert st == 200
        cls.headers = h
        cls.body = body.decode("utf-8")
        cls.page = pagemodel.ListingPage(cls.body)
        cls.rows = cls.page.rows()
        cls.cookie = h["set-cookie"].split(";")[0]

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def post(self, fields, cookie=None, page=None):
        page = page or self.page
        form = {"__EVENTTARGET": "", "__EVENTARGUMENT": "", "__LASTFOCUS": "",
                "__VIEWSTATE": page.hidden["__VIEWSTATE"], "__VIEWSTATEGENERATOR": page.hidden["__VIEWSTATEGENERATOR"],
                "__EVENTVALIDATION": page.hidden["__EVENTVALIDATION"],
                CP + "District_Name": "0", CP + "Tehsil_Name": "0", CP + "ApplicantType": "0", CP + "DropDownList2": "0",
                CP + "txt_promoter_name": "", CP + "txt_proj_name": "", CP + "TextBox4": "", CP + "cpatchaTextBox": "x"}
        form.update(fields)
        return self.sim.request("POST", "/Approved_project_List.aspx", body=form,
                                headers={"Cookie": cookie or self.cookie, "Accept-Encoding": "gzip"})

    def search(self, **f):
        names = {"district": "District_Name", "tehsil": "Tehsil_Name", "status": "ApplicantType",
                 "type": "DropDownList2", "promoter": "txt_promoter_name", "name": "txt_proj_name", "reg": "TextBox4"}
        fields = {CP + names[k]: v for k, v in f.items()}
        fields[CP + "Button1"] = "Search"
        st, h, body = self.post(fields)
        self.assertEqual(st, 200)
        page = pagemodel.ListingPage(body.decode("utf-8"))
        return page, page.rows()

    # ------------------------------------------------------------------ the full list
    def test_all_rows_match_the_data(self):
        self.assertEqual(len(self.rows), 1988)
        self.assertEqual(len(self.projects), 1988)
        for i, (r, p) in enumerate(zip(self.rows, self.projects)):
            self.assertEqual(r["sn"], i + 1)
            self.assertEqual(r["registration_number"], p["registration_number"])
            self.assertEqual(r["project_type"], p["project_type"])
            self.assertEqual(r["district"], p["district"].upper())
            self.assertEqual(r["tehsil"], p["tehsil"].upper())
            self.assertEqual(r["view_target"], "%sgv_ProjectList$ctl%02d$lnk_View" % (CP, i + 2))
        real = load("listing_real_rows.json")
        for r, real_row in zip(self.rows, real):
            for k in ("project_name", "promoter_name", "authorised_name", "approved_date", "proposed_end_date",
                      "extended_end_date", "website", "completed", "certificate"):
                self.assertEqual(r[k], real_row[k], k)
        for r, p in list(zip(self.rows, self.projects))[10:]:
            self.assertEqual(r["project_name"], " ".join(p["project_name"].upper().split()))
            self.assertEqual(r["promoter_name"], " ".join(re.sub(r"\([^()]*\)\s*$", "", p["promoter"]).split()))
            reg = p["registration_number"]
            d = reg[-12:-6]
            self.assertTrue(r["approved_date"].startswith(d[:2]), (reg, r["approved_date"]))

    def test_listing_matches_ground_truth(self):
        st, t = self.sim.json("/__sim/truth?reg=PCGRERA240218000002")
        self.assertEqual(st, 200)
        lt = t["listing"]
        r = self.rows[1]
        for k in ("project_name", "promoter_name", "completed", "approved_date", "website", "certificate"):
            self.assertEqual(lt[k], r[k])
        n_completed = sum(1 for r in self.rows if r["completed"])
        self.assertEqual(self.body.count('style="color:orangered;font-weight:900;font-size:x-large;"> **</span>'),
                         n_completed)
        self.assertIn("This project is completed project.", self.body)

    def test_map_init_is_the_real_payload(self):
        self.assertEqual(self.page.map_init(), load("map_init.json"))
        self.assertIn("map_init('[", self.body)
        self.assertIn("','21.2620511','81.5490328','8');", self.body)

    def test_page_structure_and_session(self):
        b = self.body
        self.assertTrue(self.headers["set-cookie"].startswith("ASP.NET_SessionId="))
        self.assertIn("HttpOnly", self.headers["set-cookie"])
        self.assertEqual(self.headers.get("content-encoding"), "gzip")
        for name in ("__EVENTTARGET", "__EVENTARGUMENT", "__LASTFOCUS", "__VIEWSTATE", "__VIEWSTATEGENERATOR",
                     "__EVENTVALIDATION"):
            self.assertIn(name, self.page.hidden)
        self.assertEqual(self.page.hidden["__VIEWSTATEGENERATOR"], "A318EF20")
        self.assertIn('<form method="post" action="./Approved_project_List.aspx"', b)
        self.assertIn('id="ContentPlaceHolder1_gv_ProjectList"', b)
        self.assertIn('id="cpatchaTextBox"', b)
        self.assertIn("function createCaptcha()", b)
        for sel in ("District_Name", "ApplicantType", "DropDownList2"):
            opts, selected = self.page.selected(sel)
            self.assertEqual([v for v, _ in opts], [v for v, _ in self.options[sel]])
            self.assertEqual(selected, ["0"])
        opts, _ = self.page.selected("DropDownList2")
        self.assertIn(("1", "Group Housing Development"), opts)
        self.assertIn('<option value="1"> Group Housing Development</option>', b)
        # another session gets another viewstate
        st, h, b2 = self.sim.get("/Approved_project_List.aspx")
        other = pagemodel.ListingPage(b2.decode("utf-8"))
        self.assertNotEqual(h["set-cookie"], self.headers["set-cookie"])
        self.assertNotEqual(other.hidden["__VIEWSTATE"], self.page.hidden["__VIEWSTATE"])
        # the same session and result set get the same page, compressed or not
        st, h3, b3 = self.sim.get("/Approved_project_List.aspx", headers={"Cookie": self.cookie})
        self.assertNotIn("set-cookie", h3)
        self.assertEqual(b3.decode("utf-8"), self.body)

    # ------------------------------------------------------------------ filters
    def expected(self, district=None, tehsil=None, status=None, dtype=None, reg=None):
        out = []
        for p in self.projects:
            if district and p["district"] != district:
                continue
            if tehsil and p["tehsil"] != tehsil:
                continue
            if status and p["project_status"] != status:
                continue
            if dtype and p["development_type"] != dtype:
                continue
            if reg and reg not in p["registration_number"]:
                continue
            out.append(p["registration_number"])
        return out

    def test_filters_give_the_right_subsets(self):
        dv = {t: v for v, t in self.options["District_Name"]}
        for kw, exp in (
                ({"district": dv["Raipur"]}, self.expected(district="Raipur")),
                ({"district": dv["Durg"], "status": "2"}, self.expected(district="Durg", status="Ongoing")),
                ({"type": "1"}, self.expected(dtype="1")),
                ({"district": dv["Bilaspur"], "status": "1", "type": "6"},
                 self.expected(district="Bilaspur", status="New", dtype="6")),
                ({"reg": "p3cgrera"}, self.expected(reg="P3CGRERA")),
                ({"district": dv["Narayanpur"]}, [])):
            page, rows = self.search(**kw)
            self.assertEqual([r["registration_number"] for r in rows], exp, kw)
            if exp:
                self.assertEqual([r["sn"] for r in rows], list(range(1, len(exp) + 1)))
                self.assertEqual(len(page.map_init()), len(exp))
            else:
                self.assertIn("No Record Found", page.text)
            opts, selected = page.selected("District_Name")
            self.assertEqual(selected, [kw.get("district", "0")])
        self.assertEqual(len(self.expected(district="Raipur")), 849)

    def test_district_postback_fills_tehsils_then_tehsil_filter(self):
        st, h, body = self.post({"__EVENTTARGET": CP + "District_Name", CP + "District_Name": "14"})
        self.assertEqual(st, 200)
        page = pagemodel.ListingPage(body.decode("utf-8"))
        opts, _ = page.selected("Tehsil_Name")
        names = [t for v, t in opts]
        self.assertEqual(names, ["Select Tehsil", "Abhanpur", "Arang", "Dharsiwa", "Gobra Navapara", "Kharora",
                                 "Mandir Hasaud", "Raipur", "Tilda"])
        arang = [v for v, t in opts if t == "Arang"][0]
        st, h, body = self.post({CP + "District_Name": "14", CP + "Tehsil_Name": arang, CP + "Button1": "Search"},
                                page=page)
        rows = pagemodel.ListingPage(body.decode("utf-8")).rows()
        self.assertEqual([r["registration_number"] for r in rows], self.expected(district="Raipur", tehsil="Arang"))

    # ------------------------------------------------------------------ postbacks
    def test_postback_detail_equals_get_detail(self):
        for i in (0, 1, 9, 500, 1987):
            p = self.projects[i]
            st, h, pb = self.post({"__EVENTTARGET": self.rows[i]["view_target"]})
            self.assertEqual(st, 200)
            self.assertIn("Project Detail", pb.decode("utf-8"))
            if p["my_id"]:
                st2, h2, got = self.sim.get("/Promoter_Reg_Only_View_Application_new.aspx?MyID=" + p["my_id"])
                self.assertEqual(st2, 200)
                self.assertEqual(pb, got, p["registration_number"])

    def test_postback_in_a_filtered_list_and_shared_ids(self):
        page, rows = self.search(reg="P3CGRERA")
        first = rows[0]["registration_number"]
        self.assertEqual(first, "P3CGRERA130618000001")
        st, h, pb = self.post({"__EVENTTARGET": rows[0]["view_target"]}, page=page)
        text = pb.decode("utf-8")
        # MyID Mw== is shared with PCGRERA010318000003: the page served is that project's
        self.assertIn("PCGRERA010318000003", text)
        self.assertNotIn(first, text)
        # a P2 project without a map link still has its page through the postback
        idx = [i for i, p in enumerate(self.projects) if not p["my_id"]][0]
        st, h, pb = self.post({"__EVENTTARGET": self.rows[idx]["view_target"]})
        self.assertEqual(st, 200)
        self.assertIn(self.projects[idx]["registration_number"], pb.decode("utf-8"))

    def test_broken_postbacks_give_error_pages(self):
        st, h, body = self.post({"__EVENTTARGET": CP + "gv_ProjectList$ctl02$lnk_View", "__VIEWSTATE": "garbage!"})
        self.assertEqual(st, 500)
        self.assertIn(b"Runtime Error", body)
        st, h, body = self.post({"__EVENTTARGET": CP + "gv_ProjectList$ctl02$lnk_View", "__EVENTVALIDATION": ""})
        self.assertEqual(st, 500)
        st, h, body = self.post({"__EVENTTARGET": CP + "gv_ProjectList$ctl9999$lnk_View"})
        self.assertEqual(st, 500)
        st, h, body = self.sim.get("/__sim/health")
        self.assertEqual(st, 200)

    def test_map_and_certificate_postbacks(self):
        st, h, body = self.post({"__EVENTTARGET": CP + "gv_ProjectList$ctl02$lnk_View_map"})
        self.assertEqual(st, 200)
        self.assertIn(b"!2d81.7395166666667!3d21.2855194444444", body)
        i = [k for k, r in enumerate(self.rows) if r["certificate"] == "link"][0]
        st, h, body = self.post({"__EVENTTARGET": CP + "gv_ProjectList$ctl%02d$LinkButton1" % (i + 2)})
        self.assertIn(st, (302, 500))
        if st == 302:
            self.assertTrue(h["location"].startswith("/Content/ProjectDocuments/Application_"))


if __name__ == "__main__":
    unittest.main()
