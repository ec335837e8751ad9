"""Headers, CSP, CORS, body limit, escaping of hostile text, and what the logs keep."""

from __future__ import annotations

import pytest
from markupsafe import escape

from tests.web.conftest import PASSWORDS, add_accounts, login, start_server

DDM = "33°12.5'N 012°45.3'E"
XSS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=window.__xss=1>',
    "</textarea><script>window.__xss=1</script>",
    "javascript:window.__xss=1",
    "'-window.__xss=1-'",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "{{7*7}} ${7*7}",
    '<a href="javascript:window.__xss=1">click</a>',
]


def test_security_headers_on_pages_and_api(server):
    s = login(server, "amina")
    for path in ("/", "/incidents", "/api/incidents", "/healthz", "/login"):
        headers = s.get(server.url + path).headers
        csp = headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp
            and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        )
        assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        assert "server" not in headers


def test_no_cors_unless_configured(server):
    answer = server.session("victor").get(
        f"{server.url}/api/incidents", headers={"Origin": "https://elsewhere.example"}
    )
    assert "access-control-allow-origin" not in answer.headers
    preflight = server.session().options(
        f"{server.url}/api/incidents",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_for_configured_origins_only(tmp_path):
    tokens = add_accounts(tmp_path)
    live = start_server(tmp_path, env={"SEAWATCH_WEB_CORS_ORIGINS": '["https://partner.example"]'})
    try:
        s = live.session()
        s.headers.update({"Authorization": f"Bearer {tokens['victor']}"})
        ok = s.get(f"{live.url}/api/incidents", headers={"Origin": "https://partner.example"})
        assert ok.headers["access-control-allow-origin"] == "https://partner.example"
        assert "access-control-allow-credentials" not in ok.headers
        other = s.get(f"{live.url}/api/incidents", headers={"Origin": "https://other.example"})
        assert "access-control-allow-origin" not in other.headers
    finally:
        live.stop()


def test_request_body_limit(server):
    s = server.session("amina")
    big = {"position": DDM, "note": "x" * 1_100_000}
    answer = s.post(f"{server.url}/api/incidents", json=big)
    assert answer.status_code == 413 and "limit" in answer.json()["detail"]

    def chunks():
        yield b'{"position": "33 12.5N 12 45.3E", "note": "'
        for _ in range(200):
            yield b"y" * 10_000
        yield b'"}'

    streamed = s.post(
        f"{server.url}/api/incidents",
        data=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert streamed.status_code == 413


def test_hostile_text_is_escaped_in_pages(server):
    s = server.session("amina")
    ids = []
    for payload in XSS:
        answer = s.post(
            f"{server.url}/api/incidents",
            json={"position": DDM, "note": payload, "source": payload[:64], "source_id": payload},
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["notes"] == payload  # stored exactly as typed
        ids.append(answer.json()["id"])
    browser = login(server, "amina")
    table = browser.get(f"{server.url}/incidents?since=24h").text
    for payload in XSS:
        assert payload not in table or "<" not in payload
        assert str(escape(payload)) in table
    page = browser.get(f"{server.url}/incidents/{ids[0]}").text
    assert (
        "<script>window.__xss" not in page and "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page
    )
    csv_text = browser.get(f"{server.url}/incidents.csv?since=24h").text
    assert "<script>window.__xss=1</script>" in csv_text  # data, not a page


def test_csv_cells_do_not_become_formulas(server):
    s = server.session("amina")
    s.post(f"{server.url}/api/incidents", json={"position": DDM, "note": '=HYPERLINK("x")'})
    text = login(server, "amina").get(f"{server.url}/incidents.csv?since=24h").text
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text


def test_odd_paths_and_filters_are_refused_cleanly(server):
    s = login(server, "amina")
    for path in ("/maps/../../etc/passwd", "/maps/2026-13-45", "/maps/%2e%2e%2fincidents.sqlite"):
        assert s.get(server.url + path).status_code == 404
    answer = s.get(f"{server.url}/api/incidents", params={"status": "distress' OR 1=1 --"})
    assert answer.status_code == 422
    answer = s.get(f"{server.url}/api/incidents/1' OR '1'='1")
    assert answer.status_code in (404, 422)


def test_no_secrets_in_the_logs(server):
    s = login(server, "amina")
    s.get(f"{server.url}/api/me")
    server.session("amina").get(f"{server.url}/api/incidents")
    log = "\n".join(server.log)
    for password in PASSWORDS.values():
        assert password not in log
    for token in server.tokens.values():
        assert token not in log
    assert s.cookies.get("seawatch_session") not in log


@pytest.mark.parametrize("name", ["nobody-here", "amina"])
def test_failed_sign_in_logs_no_password(server, name):
    s = server.session()
    import re

    form = s.get(f"{server.url}/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    s.post(
        f"{server.url}/login",
        data={"name": name, "password": "Secret-typed-by-mistake", "csrf_token": token},
    )
    assert "Secret-typed-by-mistake" not in "\n".join(server.log)


def test_archived_map_runs_only_its_own_inline_scripts(server):
    from seawatch.web.security import script_hashes

    day = server.data_dir / "archive" / "2026-08-20"
    day.mkdir(parents=True)
    page = "<html><body><script>var archived = 1;</script></body></html>"
    (day / "map.html").write_text(page)
    s = login(server, "victor")
    assert "2026-08-20" in s.get(f"{server.url}/maps").text
    answer = s.get(f"{server.url}/maps/2026-08-20")
    assert answer.status_code == 200 and answer.text == page
    (expected,) = script_hashes(page)
    assert expected in answer.headers["content-security-policy"]
    assert s.get(f"{server.url}/maps/2026-08-21").status_code == 404


def test_api_reference_page_works_offline(server):
    text = login(server, "victor").get(f"{server.url}/docs").text
    assert "POST /api/incidents" in text and "IncidentCreate" in text
    assert "cdn" not in text.lower()
    schema = server.session().get(f"{server.url}/openapi.json").json()
    assert "/api/incidents/{incident_id}/history" in schema["paths"]
