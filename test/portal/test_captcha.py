"""CAPTCHA: client-side by default like the real site; server mode checks the answer."""
import re
import unittest

from test.portal import pagemodel
from test.portal._harness import SimServer

CP = "ctl00$ContentPlaceHolder1$"
ERROR = "Invalid Security Code.please try again"


class CaptchaServerModeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = SimServer("--captcha", "server", "--viewstate-kb", "16", lifetime=600).start()

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def open_session(self):
        st, h, body = self.sim.get("/Approved_project_List.aspx")
        self.assertEqual(st, 200)
        cookie = h["set-cookie"].split(";")[0]
        return cookie, cookie.split("=", 1)[1], pagemodel.ListingPage(body.decode("utf-8")), body.decode("utf-8")

    def search(self, cookie, page, answer, district="14"):
        form = {"__EVENTTARGET": "", "__EVENTARGUMENT": "", "__VIEWSTATE": page.hidden["__VIEWSTATE"],
                "__EVENTVALIDATION": page.hidden["__EVENTVALIDATION"], CP + "District_Name": district,
                CP + "Tehsil_Name": "0", CP + "ApplicantType": "0", CP + "DropDownList2": "0",
                CP + "cpatchaTextBox": answer, CP + "Button1": "Search"}
        st, h, body = self.sim.request("POST", "/Approved_project_List.aspx", body=form, headers={"Cookie": cookie})
        self.assertEqual(st, 200)
        return body.decode("utf-8")

    def test_image_and_answer(self):
        cookie, sid, page, text = self.open_session()
        m = re.search(r'<img id="ContentPlaceHolder1_imgCaptcha" src="(CaptchaImage\.ashx\?v=\d+)"', text)
        self.assertIsNotNone(m)
        st, h, img = self.sim.get("/" + m.group(1), headers={"Cookie": cookie})
        self.assertEqual(st, 200)
        self.assertEqual(h["content-type"], "image/png")
        self.assertTrue(img.startswith(b"\x89PNG\r\n\x1a\n"))
        st, ans = self.sim.json("/__sim/captcha?session=" + sid)
        self.assertEqual(st, 200)
        self.assertEqual(len(ans["answer"]), 6)
        st, latest = self.sim.json("/__sim/captcha")
        self.assertEqual(latest["mode"], "server")
        self.assertEqual(latest["sessions"][sid], ans["answer"])
        self.assertEqual(self.sim.get("/CaptchaImage.ashx")[0], 404)  # a session without a code

    def test_wrong_answer_rerenders_with_error_then_right_answer_gives_results(self):
        cookie, sid, page, text = self.open_session()
        self.assertNotIn(ERROR + "</span>", text)
        st, ans = self.sim.json("/__sim/captcha?session=" + sid)
        wrong = self.search(cookie, page, ans["answer"][::-1] + "x")
        self.assertIn(ERROR, wrong)
        self.assertIn('id="ContentPlaceHolder1_lbl_captcha_msg"', wrong)
        wp = pagemodel.ListingPage(wrong)
        self.assertIsNone(wp.rows())
        self.assertEqual(wp.selected("District_Name")[1], ["14"])  # the form keeps what was chosen
        st, ans2 = self.sim.json("/__sim/captcha?session=" + sid)
        self.assertNotEqual(ans2["answer"], ans["answer"])  # a new code after every check
        right = self.search(cookie, wp, ans2["answer"])
        self.assertNotIn(ERROR + "</span>", right)
        rows = pagemodel.ListingPage(right).rows()
        self.assertEqual(len(rows), 849)
        self.assertTrue(all(r["district"] == "RAIPUR" for r in rows))
        # an old answer no longer works
        self.assertIn(ERROR, self.search(cookie, pagemodel.ListingPage(right), ans2["answer"]))

    def test_client_mode_at_run_time(self):
        self.sim.json("/__sim/config", "POST", {"captcha": "client"})
        try:
            cookie, sid, page, text = self.open_session()
            self.assertIn('<span id="captcha"></span>', text)
            self.assertIn("function validateCaptcha()", text)
            body = self.search(cookie, page, "anything")
            self.assertNotIn(ERROR + "</span>", body)
            self.assertEqual(len(pagemodel.ListingPage(body).rows()), 849)
        finally:
            self.sim.json("/__sim/config", "POST", {"captcha": "server"})


if __name__ == "__main__":
    unittest.main()
