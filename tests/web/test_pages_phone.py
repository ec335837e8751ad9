"""The coordinator's pages other than the live map, as people use them in Arabic and English,
on a 390x844 phone and a 1400x1000 desk: sign-in, the incident table, one incident with its
history, the map archive, the API reference, error pages and sign-out.

HTTP tests read the pages' links and forms; browser tests (Debian's chromium through
playwright) measure what a person sees: nothing wider than the screen, controls big enough to
tap, positions and UTC times reading left to right inside Arabic text.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.browser import offline_page
from tests.web.conftest import PASSWORDS, LiveServer, login
from tests.web.test_drifts import _stored_drift

PHONE = (390, 844)
DESK = (1400, 1000)
# Smallest tap target accepted on these pages (assumption, to calibrate: WCAG 2.5.5 asks 44 px,
# Android 48 dp; 40 px is the bar the coordinators' pages are held to).
TAP_PX = 40
TYPED = "33°12.5'N 012°45.3'E"
NOTE = "engine failure, taking water"
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def seeded(server: LiveServer) -> dict[str, Any]:
    """Two incidents (one reported, then moved and counted again, with a finished drift) and
    three archived maps."""
    s = server.session("amina")
    first = s.post(
        f"{server.url}/api/incidents",
        json={
            "position": TYPED,
            "time": "2026-08-20T04:30:00Z",
            "persons": 80,
            "dead": 2,
            "boat_type": "rubber",
            "source": "alarm_phone",
            "source_id": "AP-2026-0820-03",
            "note": NOTE,
        },
    ).json()
    moved = s.patch(
        f"{server.url}/api/incidents/{first['id']}",
        json={"version": 1, "lat": 33.3, "lon": 12.9, "persons": 82, "status": "rescued"},
    )
    assert moved.status_code == 200, moved.text
    other = s.post(
        f"{server.url}/api/incidents",
        json={"lat": 32.95, "lon": 11.9, "persons": 45, "time": "2026-08-21T22:10:00Z"},
    ).json()
    _stored_drift(server.data_dir, first["id"])  # a finished drift: its row and downloads
    for day in ("2026-08-19", "2026-08-20", "2026-08-21"):
        folder = server.data_dir / "archive" / day
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "map.html").write_text(f"<html><body>map of {day}</body></html>")
    return {"first": first["id"], "other": other["id"]}


def html_lang(text: str) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]*)" dir="([^"]*)"', text)
    assert found, text[:300]
    return found.group(1), found.group(2)


def form_action(text: str, start: str) -> str:
    found = re.search(rf'<form method="post" action="({re.escape(start)}[^"]*)"', text)
    assert found, f"no form posting to {start}"
    return found.group(1).replace("&amp;", "&")


def arabic_session(server: LiveServer) -> requests.Session:
    """amina, signed in through the Arabic sign-in form."""
    s = server.session()
    page = s.get(f"{server.url}/login?lang=ar")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = s.post(
        server.url + form_action(page.text, "/login"),
        data={"name": "amina", "password": PASSWORDS["amina"], "csrf_token": token, "next": "/"},
        allow_redirects=False,
    )
    assert answer.status_code == 303
    return s


# ------------------------------------------------------------------------------------ HTTP


def test_wrong_password_answers_in_the_language_of_the_form(server):
    s = server.session()
    page = s.get(f"{server.url}/login?lang=ar")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = s.post(
        server.url + form_action(page.text, "/login"),
        data={"name": "amina", "password": "not-her-password", "csrf_token": token},
        headers=HTML,
    )
    assert answer.status_code == 200
    assert html_lang(answer.text) == ("ar", "rtl")
    assert "اسم المستخدم أو كلمة المرور غير صحيحة" in answer.text


def test_too_many_wrong_passwords_say_how_long_to_wait_in_arabic(server):
    s = server.session()
    answers = []
    for _ in range(6):
        page = s.get(f"{server.url}/login?lang=ar")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        answers.append(
            s.post(
                server.url + form_action(page.text, "/login"),
                data={"name": "nadia", "password": "guess", "csrf_token": token},
                headers=HTML,
            )
        )
        if answers[-1].status_code == 429:
            break
    refused = answers[-1]
    assert refused.status_code == 429, [a.status_code for a in answers]
    assert html_lang(refused.text) == ("ar", "rtl")
    wait = refused.headers["retry-after"]
    assert f"انتظر {wait} ثانية" in refused.text


def test_signing_in_from_the_arabic_form_opens_the_arabic_map(server):
    s = server.session()
    page = s.get(f"{server.url}/login?lang=ar")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    nxt = re.search(r'name="next" value="([^"]*)"', page.text).group(1)
    answer = s.post(
        server.url + form_action(page.text, "/login"),
        data={"name": "amina", "password": PASSWORDS["amina"], "csrf_token": token, "next": nxt},
        allow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/?lang=ar"


def test_the_sign_in_page_shows_who_is_signed_in_already(server):
    page = arabic_session(server).get(f"{server.url}/login?lang=ar").text
    header = page[: page.index("</header>")]
    assert "amina" in header and 'action="/logout?lang=ar"' in header
    assert 'href="/login?lang=ar"' not in header  # no "sign in" link


def test_a_page_that_needs_sign_in_sends_to_the_sign_in_form_in_its_language(server):
    answer = server.session().get(
        f"{server.url}/incidents/abc?lang=ar", headers=HTML, allow_redirects=False
    )
    assert answer.status_code == 303
    assert parse_qs(urlsplit(answer.headers["location"]).query)["lang"] == ["ar"]


def test_sign_out_returns_to_the_sign_in_form_in_the_same_language(server):
    s = arabic_session(server)
    page = s.get(f"{server.url}/incidents?lang=ar")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = s.post(server.url + form_action(page.text, "/logout"), data={"csrf_token": csrf})
    assert answer.url.startswith(f"{server.url}/login")
    assert html_lang(answer.text) == ("ar", "rtl")
    assert s.get(f"{server.url}/api/me").status_code == 401  # signed out


def test_switching_language_keeps_the_filters_and_search(server, seeded):
    s = login(server, "amina")
    page = s.get(f"{server.url}/incidents?since=all&q=engine&status=rescued&lang=ar").text
    link = re.search(r'<a href="([^"]+)" hreflang="en"', page).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert urlsplit(link).path == "/incidents"
    assert query == {"since": ["all"], "q": ["engine"], "status": ["rescued"], "lang": ["en"]}


def test_links_of_the_arabic_pages_stay_arabic(server, seeded):
    s = arabic_session(server)
    archive = s.get(f"{server.url}/maps?lang=ar").text
    days = re.findall(r'href="(/maps/2026-08-\d\d[^"]*)"', archive)
    assert len(days) == 3 and all(d.endswith("?lang=ar") for d in days), days
    # the build archives the map in the configured language (English here): say so in Arabic
    assert "تُحفظ الخرائط المؤرشفة باللغة الإنجليزية فقط" in archive
    assert "sw-archive-lang" not in s.get(f"{server.url}/maps?lang=en").text
    missing = s.get(f"{server.url}/maps/2026-01-01?lang=ar", headers=HTML).text
    assert 'href="/?lang=ar" class="sw-back"' in missing
    anonymous = server.session().get(f"{server.url}/login?lang=ar").text
    assert 'href="/login?lang=ar"' in anonymous


def test_error_pages_say_what_happened_in_arabic_and_keep_the_user_signed_in(server):
    s = arabic_session(server)
    for path, status, words in (
        ("/nowhere?lang=ar", 404, "غير موجودة"),
        ("/incidents/no-such-incident?lang=ar", 404, "غير موجودة"),
        ("/incidents?since=" + "x" * 20 + "&lang=ar", 422, "لا يستطيع seawatch استخدامها"),
        ("/logout?lang=ar", 405, "لا يمكن فتح هذا العنوان"),
    ):
        answer = s.get(server.url + path, headers=HTML)
        assert answer.status_code == status, path
        assert answer.headers["content-type"].startswith("text/html"), path
        assert html_lang(answer.text) == ("ar", "rtl"), path
        assert words in answer.text, path
        assert "amina" in answer.text and "/logout" in answer.text, f"{path}: shown signed out"
        assert '<p class="sw-error" lang="en" dir="ltr">' in answer.text, path
        assert "Traceback" not in answer.text


def test_a_damaged_archived_map_answers_with_an_error_page_not_plain_text(server):
    folder = server.data_dir / "archive" / "2026-07-01"
    folder.mkdir(parents=True)
    (folder / "map.html").write_bytes(b"<html>\xff\xfe cut short by a full disk")
    answer = arabic_session(server).get(f"{server.url}/maps/2026-07-01?lang=ar", headers=HTML)
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    assert html_lang(answer.text) == ("ar", "rtl")
    assert "تعذّر على seawatch عرض هذه الصفحة" in answer.text and "amina" in answer.text
    assert re.search(r'class="sw-error-at">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<', answer.text)
    # answered outside the middleware that adds them to every other page
    assert answer.headers["x-frame-options"] == "DENY"
    assert "default-src" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"
    api = server.session("amina").get(f"{server.url}/maps/2026-07-01")
    assert api.status_code == 500 and "service log" in api.json()["detail"]  # not a browser


def test_the_language_link_of_a_page_never_leaves_the_site(server):
    """A 404 page for ``//evil.example/x`` linked its other language to that host."""
    s = arabic_session(server)
    for path in ("//evil.example/x", "///evil.example/x", "/incidents?since=24h&q=zuwara"):
        answer = s.get(server.url + path, headers=HTML, allow_redirects=False)
        found = re.search(r'<a href="([^"]*)"[^>]*hreflang=', answer.text)
        assert found, (path, answer.status_code, answer.text[:300])
        link = found.group(1).replace("&amp;", "&")
        assert link.startswith("/") and not link.startswith("//") and "lang=" in link, link
    assert "since=24h" in link and "q=zuwara" in link  # the table keeps its filters


def test_viewer_restoring_an_incident_gets_a_page_not_json(server, seeded):
    s = login(server, "victor")
    page = s.get(f"{server.url}/incidents?lang=ar").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = s.post(
        f"{server.url}/incidents/{seeded['first']}/restore?lang=ar",
        data={"csrf_token": csrf, "version": "2"},
        headers=HTML,
    )
    assert answer.status_code == 403
    assert html_lang(answer.text) == ("ar", "rtl")
    assert "حسابك لا يملك الصلاحية" in answer.text and "victor" in answer.text


def test_restore_from_a_stale_or_damaged_page_answers_with_a_page(server):
    api = server.session("amina")
    record = api.post(f"{server.url}/api/incidents", json={"lat": 33.0, "lon": 13.0}).json()
    url = f"{server.url}/api/incidents/{record['id']}"
    assert api.delete(f"{url}?version=1").status_code == 200  # retracted: version 2
    s = arabic_session(server)
    page = s.get(f"{server.url}/incidents/{record['id']}?lang=ar").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    action = server.url + form_action(page, f"/incidents/{record['id']}/restore")
    damaged = s.post(action, data={"csrf_token": csrf, "version": "2x"}, headers=HTML)
    assert damaged.status_code == 422 and html_lang(damaged.text) == ("ar", "rtl")
    assert "is not a version number" in damaged.text
    # another coordinator restored it and retracted it again meanwhile: version 4
    assert api.post(f"{url}/restore?version=2").status_code == 200
    assert api.delete(f"{url}?version=3").status_code == 200
    stale = s.post(action, data={"csrf_token": csrf, "version": "2"}, headers=HTML)
    assert stale.status_code == 409
    assert stale.headers["content-type"].startswith("text/html")
    assert "غيّر شخص آخر هذه الحادثة" in stale.text
    assert f'href="/incidents/{record["id"]}?lang=ar" class="sw-back" id="sw-again"' in stale.text
    assert api.get(url).json()["status"] == "retracted"  # nothing was saved


def test_csv_and_geojson_links_download_the_rows_the_search_shows(server, seeded):
    s = login(server, "amina")
    page = s.get(f"{server.url}/incidents?since=all&q=engine&lang=ar").text
    assert "عدد الحوادث: 1" in page  # no plural agreement to get wrong
    link = re.search(r'<a href="(/incidents\.csv[^"]*)"', page).group(1).replace("&amp;", "&")
    rows = list(csv.DictReader(io.StringIO(s.get(server.url + link).text.lstrip("\ufeff"))))
    assert [r["id"] for r in rows] == [seeded["first"]]
    link = re.search(r'<a href="([^"]*geojson[^"]*)"', page).group(1).replace("&amp;", "&")
    features = s.get(server.url + link).json()["features"]
    assert [f["id"] for f in features] == [seeded["first"]]


def test_history_in_arabic_names_actions_and_fields_and_shows_times_as_the_page_does(
    server, seeded
):
    page = arabic_session(server).get(f"{server.url}/incidents/{seeded['first']}?lang=ar").text
    history = page[page.index("sw-history") :]
    assert ">create<" not in history and ">update<" not in history
    assert ">إبلاغ<" in history and ">تعديل<" in history
    assert "source_id" not in history and "مرجع المصدر" in history
    assert "2026-08-20T04:30" not in history and "2026-08-20 04:30 UTC" in history
    assert "←" in history and "→" not in history  # from old to new, read right to left


# --------------------------------------------------------------------------------- browser

PAGES = (
    "/login",
    "/login?error=limited&wait=120",
    "/incidents?since=all",
    "/incidents/{first}",
    "/maps",
    "/docs",
    "/nowhere",
)


def sign_in(page: Any, origin: str, lang: str) -> None:
    page.goto(f"{origin}/login?lang={lang}")
    page.fill("input[name=name]", "amina")
    page.fill("input[name=password]", PASSWORDS["amina"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{origin}/?lang={lang}")


MEASURE = """(tap) => {
  const de = document.documentElement;
  const small = [];
  // every control a person taps; a checkbox counts with its label, links inside a sentence
  // are exempt (WCAG 2.5.8 "inline")
  const controls = document.querySelectorAll(
    'a[href], button, select, input:not([type=hidden]):not([type=checkbox]), label.sw-check');
  for (const el of controls) {
    if (el.tagName === 'A' && el.closest('p, .sw-card h2') && !el.matches('.sw-back')) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (r.width < tap || r.height < tap) {
      small.push(`${el.tagName} "${(el.textContent || el.name || '').trim().slice(0, 30)}" `
                 + `${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return {lang: de.lang, dir: de.dir, title: document.title,
          overflow: de.scrollWidth - de.clientWidth, small,
          scrolled: [...document.querySelectorAll('.sw-scroll')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).length};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ar", "en"])
@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_pages_fit_the_screen_with_tappable_controls(server, seeded, browser, lang, viewport):
    origin = server.url
    phone = viewport == PHONE
    with offline_page(browser, viewport=viewport, allow=(origin + "/",), touch=phone) as (
        page,
        record,
    ):
        faults = []
        for signed_in in (False, True):
            if signed_in:
                sign_in(page, origin, lang)
            for path in PAGES:
                if path.startswith("/login") and signed_in:
                    continue
                path = path.format(first=seeded["first"])
                url = f"{origin}{path}{'&' if '?' in path else '?'}lang={lang}"
                page.goto(url)
                m = page.evaluate(MEASURE, TAP_PX)
                if (m["lang"], m["dir"]) != (lang, "rtl" if lang == "ar" else "ltr"):
                    faults.append(f"{path}: lang={m['lang']} dir={m['dir']}")
                if not m["title"].strip() or m["title"].startswith("seawatch ·"):
                    faults.append(f"{path}: no page title ({m['title']!r})")
                if m["overflow"] > 0:
                    faults.append(f"{path}: {m['overflow']} px wider than the screen")
                if phone and m["scrolled"]:
                    faults.append(f"{path}: a table must be scrolled sideways")
                if phone and m["small"]:
                    faults.append(f"{path}: too small to tap: {m['small']}")
                if signed_in and "/login" in page.url:
                    faults.append(f"{path}: sent to sign in although signed in")
        assert not faults, "\n".join(faults)
        assert not [e for e in record.page_errors], record.page_errors


READS = """([root, first, second]) => {
  // Where two pieces of one text are drawn: [left of first, left of second] for each text
  // node under root that holds both (a bidi reordering shows as first drawn right of second).
  const out = [];
  const walk = document.createTreeWalker(document.querySelector(root), NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const a = n.data.indexOf(first), b = n.data.indexOf(second, a + first.length);
    if (a < 0 || b < 0) continue;
    const left = (i, len) => {
      const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + len);
      return r.getClientRects()[0].left;
    };
    out.push([left(a, first.length), left(b, second.length)]);
  }
  return out;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_arabic_pages_show_positions_and_utc_times_left_to_right(server, seeded, browser, viewport):
    origin = server.url
    with offline_page(browser, viewport=viewport, allow=(origin + "/",)) as (page, _record):
        sign_in(page, origin, "ar")
        checks = {
            f"/incidents/{seeded['first']}?lang=ar": [
                (".sw-fields", "2026-08-20", "04:30"),  # time of the incident
                (".sw-fields", "04:30", "UTC"),
                (".sw-fields", "33°18.000'N", "012°54.000'E"),  # position now
                (".sw-fields", "AP-2026", "0820-03"),  # the source's reference
                (".sw-history", "33°12.500'N", "012°45.300'E"),  # position before the move
                (".sw-history", "2026-08-20", "04:30"),  # time as reported
                (".sw-history tbody td", "-", ":"),  # when each change was made
            ],
            "/incidents?since=all&lang=ar": [
                (".sw-table tbody", "2026-08-21", "22:10"),
                (".sw-table tbody", "32°57.000'N", "011°54.000'E"),
            ],
        }
        faults = []
        for url, pieces in checks.items():
            page.goto(origin + url)
            for root, first, second in pieces:
                drawn = page.evaluate(READS, [root, first, second])
                if not drawn:
                    faults.append(f"{url} {root}: {first!r} ... {second!r} not found")
                faults += [
                    f"{url} {root}: {second!r} drawn left of {first!r} ({a:.0f} > {b:.0f})"
                    for a, b in drawn
                    if a >= b
                ]
        assert not faults, "\n".join(faults)
