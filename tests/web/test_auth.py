"""Sign-in, sessions, tokens, roles, CSRF and the login rate limit, on a live server."""

from __future__ import annotations

import re
import time

import pytest

from tests.web.conftest import PASSWORDS, add_accounts, csrf_of, login, start_server

DDM = "33°12.5'N 012°45.3'E"


def test_anonymous_is_sent_to_sign_in_and_the_api_answers_401(server):
    s = server.session()
    page = s.get(f"{server.url}/incidents", allow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fincidents"
    for path in ("/", "/maps", "/docs"):
        assert s.get(server.url + path, allow_redirects=False).status_code == 303
    answer = s.get(f"{server.url}/api/incidents")
    assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
    assert s.post(f"{server.url}/api/incidents", json={"position": DDM}).status_code == 401


def test_viewer_reads_but_cannot_write(server):
    v = server.session("victor")
    assert v.get(f"{server.url}/api/incidents").status_code == 200
    answer = v.post(f"{server.url}/api/incidents", json={"position": DDM})
    assert answer.status_code == 403 and "viewer" in answer.json()["detail"]
    record = server.session("amina").post(f"{server.url}/api/incidents", json={"position": DDM})
    url = f"{server.url}/api/incidents/{record.json()['id']}"
    assert v.patch(url, json={"version": 1, "persons": 3}).status_code == 403
    assert v.delete(url).status_code == 403
    assert server.session("amina").get(url).json()["version"] == 1


def test_a_wrong_token_is_401(server):
    s = server.session()
    for header in ("Bearer sw_not-a-token", "Basic YW1pbmE6eA==", "Bearer"):
        answer = s.get(f"{server.url}/api/incidents", headers={"Authorization": header})
        assert answer.status_code == 401


def test_session_cookie_is_httponly_and_strict(server):
    s = server.session()
    form = s.get(f"{server.url}/login")
    assert "HttpOnly" in form.headers["set-cookie"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    answer = s.post(
        f"{server.url}/login",
        data={"name": "amina", "password": PASSWORDS["amina"], "csrf_token": token},
        allow_redirects=False,
    )
    cookie = answer.headers["set-cookie"]
    assert "seawatch_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http on loopback


def test_cookie_is_secure_under_https(server):
    """Behind a TLS proxy on the same host (X-Forwarded-Proto from loopback is trusted)."""
    s = server.session()
    https = {"X-Forwarded-Proto": "https"}
    form = s.get(f"{server.url}/login", headers=https)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    s.cookies.set("__Host-seawatch_login_csrf", token)
    answer = s.post(
        f"{server.url}/login",
        data={"name": "amina", "password": PASSWORDS["amina"], "csrf_token": token},
        headers=https,
        allow_redirects=False,
    )
    assert answer.status_code == 303
    assert "Secure" in answer.headers["set-cookie"]
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_browser_writes_need_the_csrf_token(server):
    s = login(server, "amina")
    body = {"position": DDM, "note": "from the map"}
    refused = s.post(f"{server.url}/api/incidents", json=body)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    wrong = s.post(f"{server.url}/api/incidents", json=body, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    ok = s.post(
        f"{server.url}/api/incidents", json=body, headers={"X-CSRF-Token": csrf_of(s, server)}
    )
    assert ok.status_code == 201 and ok.json()["created_by"] == "amina"


def test_login_form_needs_its_csrf_cookie(server):
    s = server.session()
    answer = s.post(
        f"{server.url}/login",
        data={"name": "amina", "password": PASSWORDS["amina"], "csrf_token": "forged"},
        allow_redirects=False,
    )
    assert answer.status_code == 303 and "error=expired" in answer.headers["location"]
    assert "seawatch_session" not in answer.headers.get("set-cookie", "")


def test_logout_needs_csrf_and_ends_the_session(server):
    s = login(server, "victor")
    assert s.get(f"{server.url}/api/me").json()["name"] == "victor"
    assert s.post(f"{server.url}/logout", data={}, allow_redirects=False).status_code == 403
    token = csrf_of(s, server)
    cookie = s.cookies.get("seawatch_session")
    answer = s.post(f"{server.url}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert answer.status_code == 303
    again = server.session()
    again.cookies.set("seawatch_session", cookie)
    assert again.get(f"{server.url}/api/me").status_code == 401


def test_next_only_goes_to_this_site(server):
    s = server.session()
    form = s.get(f"{server.url}/login?next=//evil.example/x")
    assert 'name="next" value="/"' in form.text


def sign_in_once(s, server, name, password):
    form = s.get(f"{server.url}/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return s.post(
        f"{server.url}/login",
        data={"name": name, "password": password, "csrf_token": token},
        allow_redirects=False,
    )


def test_login_is_rate_limited_with_the_wait_in_the_page(server):
    s = server.session()
    answers = [sign_in_once(s, server, "root", "guess-guess") for _ in range(5)]
    statuses = [a.status_code for a in answers]
    assert statuses[:3] == [303] * 3
    assert statuses[3:] == [429, 429]
    answer = answers[-1]
    wait = int(answer.headers["retry-after"])
    assert wait > 0
    # the page itself says how long to wait, in words (never a bare error)
    assert "text/html" in answer.headers["content-type"]
    assert f"Wait {wait} seconds" in answer.text or f"Wait {wait - 1} seconds" in answer.text
    assert 'name="password"' in answer.text
    # even the right password waits now, but only as long as it says
    assert sign_in_once(s, server, "root", PASSWORDS["root"]).status_code == 429
    time.sleep(wait + 0.2)
    signed_in = sign_in_once(s, server, "root", PASSWORDS["root"])
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"


def test_disabled_user_loses_tokens_and_sessions(tmp_path):
    from seawatch.web.accounts import AccountStore

    tokens = add_accounts(tmp_path)
    live = start_server(tmp_path)
    try:
        live.tokens = tokens
        browser = login(live, "amina")
        assert live.session("amina").get(f"{live.url}/api/me").status_code == 200
        accounts = AccountStore(f"sqlite:///{tmp_path / 'incidents.sqlite'}")
        accounts.disable("amina")
        accounts.close()
        assert live.session("amina").get(f"{live.url}/api/me").status_code == 401
        assert browser.get(f"{live.url}/api/me").status_code == 401
    finally:
        live.stop()


@pytest.fixture(scope="module")
def public_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("public")
    tokens = add_accounts(data_dir)
    live = start_server(data_dir, env={"SEAWATCH_WEB_PUBLIC_MAP": "true"})
    live.tokens = tokens
    yield live
    live.stop()


def test_public_map_lets_anyone_look_but_not_write(public_server):
    s = public_server.session()
    assert s.get(public_server.url + "/", allow_redirects=False).status_code == 200
    assert s.get(f"{public_server.url}/api/incidents").status_code == 200
    assert s.get(f"{public_server.url}/api/me").json()["name"] is None
    assert s.post(f"{public_server.url}/api/incidents", json={"position": DDM}).status_code == 401
    record = public_server.session("amina").post(
        f"{public_server.url}/api/incidents", json={"position": DDM}
    )
    # who changed what stays for signed-in users
    assert (
        s.get(f"{public_server.url}/api/incidents/{record.json()['id']}/history").status_code == 401
    )


def test_parallel_sign_in_attempts_cannot_all_pass_the_limit():
    import threading

    from seawatch.web.auth import LoginLimiter

    limiter = LoginLimiter()
    allowed = []
    start = threading.Barrier(16)

    def try_once() -> None:
        start.wait()
        allowed.append(limiter.attempt("ops", "10.9.9.9") == 0)

    threads = [threading.Thread(target=try_once) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(allowed) == 3  # checked and counted under one lock: no guess slips through
    limiter.succeeded("ops", "10.9.9.9")
    assert limiter.attempt("ops", "10.9.9.9") == 0  # a good password clears the name


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail(limiter, name, address, clock, times):
    """Fail ``times`` sign-ins as soon as each is allowed; the waits asked for."""
    waits = []
    for _ in range(times):
        wait = limiter.attempt(name, address)
        waits.append(wait)
        if wait:
            clock.now += wait
            assert limiter.attempt(name, address) == 0
    return waits


def test_waits_grow_per_address_and_are_capped():
    from seawatch.web.auth import LoginLimiter

    clock = FakeClock()
    limiter = LoginLimiter(clock=clock)
    waits = fail(limiter, "amina", "203.0.113.7", clock, 12)
    assert waits[:3] == [0, 0, 0]
    assert waits[3:8] == [2, 4, 8, 16, 32]
    assert max(waits) <= 900
    assert waits == sorted(waits)


def test_a_name_under_attack_is_never_locked_from_every_address():
    from seawatch.web.auth import LoginLimiter

    clock = FakeClock()
    limiter = LoginLimiter(clock=clock)
    # amina signed in from her office before; an attacker then guesses from 40 addresses
    assert limiter.attempt("amina", "198.51.100.10") == 0
    limiter.succeeded("amina", "198.51.100.10")
    for i in range(40):
        fail(limiter, "amina", f"203.0.113.{i}", clock, 3)
    # the attacker's own address now waits long; elsewhere the name waits at most 30 s
    assert limiter.attempt("amina", "203.0.113.0") >= 2
    assert 0 < limiter.attempt("amina", "192.0.2.99") <= 30
    # and from where she signed in before, not at all
    assert limiter.attempt("amina", "198.51.100.10") == 0


def test_public_map_never_shows_anonymous_visitors_who_changed_what(public_server):
    amina = public_server.session("amina")
    record = amina.post(
        f"{public_server.url}/api/incidents",
        json={"position": DDM, "note": "skipper's phone +218 91 000 0000"},
    ).json()
    anyone = public_server.session()
    one = anyone.get(f"{public_server.url}/api/incidents/{record['id']}").json()
    listed = anyone.get(f"{public_server.url}/api/incidents").json()["features"]
    table = anyone.get(f"{public_server.url}/incidents?since=24h").text
    csv = anyone.get(f"{public_server.url}/incidents.csv?since=24h").text
    for shown in (str(one), str(listed), table, csv):
        assert "amina" not in shown and "+218 91" not in shown
    assert one["id"] == record["id"] and one["lat"] == record["lat"]
    # the private fields are left out, the same in the list as for one incident
    private = {"created_by", "updated_by", "notes"}
    assert not private & set(one)
    assert all(not private & set(f["properties"]) for f in listed)
    # signed-in users still see everything
    mine = amina.get(f"{public_server.url}/api/incidents/{record['id']}").json()
    assert mine["created_by"] == "amina" and "+218 91" in mine["notes"]
    assert "amina" in str(amina.get(f"{public_server.url}/api/incidents").json())


def test_cookies_carry_the_host_prefix_under_https(server):
    """Behind a TLS proxy (X-Forwarded-Proto from loopback) the cookies are __Host- cookies."""
    https = {"X-Forwarded-Proto": "https"}
    s = server.session()
    form = s.get(f"{server.url}/login", headers=https)
    set_cookie = form.headers["set-cookie"]
    assert set_cookie.startswith("__Host-seawatch_login_csrf=")
    assert "Secure" in set_cookie and "Path=/" in set_cookie and "Domain" not in set_cookie
    csrf = set_cookie.split(";")[0].split("=", 1)[1]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    answer = s.post(
        f"{server.url}/login",
        data={"name": "amina", "password": PASSWORDS["amina"], "csrf_token": token},
        headers={**https, "Cookie": f"__Host-seawatch_login_csrf={csrf}"},
        allow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    session = re.search(
        r"__Host-seawatch_session=([^;]+);[^,]*Secure", answer.headers["set-cookie"]
    )
    assert session, answer.headers["set-cookie"]
    me = s.get(
        f"{server.url}/api/me",
        headers={**https, "Cookie": f"__Host-seawatch_session={session.group(1)}"},
    )
    assert me.json()["name"] == "amina"
    # the bare name is not accepted over https: only a __Host- cookie signs in there
    bare = s.get(
        f"{server.url}/api/me",
        headers={**https, "Cookie": f"seawatch_session={session.group(1)}"},
    )
    assert bare.status_code == 401


def test_coordinator_restores_a_retracted_incident_from_its_page(server):
    amina = server.session("amina")
    record = amina.post(
        f"{server.url}/api/incidents", json={"position": DDM, "status": "rescued"}
    ).json()
    retracted = amina.delete(f"{server.url}/api/incidents/{record['id']}?version=1").json()
    assert retracted["status"] == "retracted"
    browser = login(server, "amina")
    page = browser.get(f"{server.url}/incidents/{record['id']}")
    assert 'id="sw-restore"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    no_token = browser.post(
        f"{server.url}/incidents/{record['id']}/restore",
        data={"version": "2"},
        allow_redirects=False,
    )
    assert no_token.status_code == 403
    answer = browser.post(
        f"{server.url}/incidents/{record['id']}/restore",
        data={"csrf_token": csrf, "version": "2"},
        allow_redirects=False,
    )
    assert answer.status_code == 303
    now = amina.get(f"{server.url}/api/incidents/{record['id']}").json()
    assert (now["status"], now["version"]) == ("rescued", 3)
    # a viewer sees no button and cannot restore
    viewer = login(server, "victor")
    assert 'id="sw-restore"' not in viewer.get(f"{server.url}/incidents/{record['id']}").text


def test_incident_table_searches_words_in_every_period(server):
    amina = server.session("amina")
    hit = amina.post(
        f"{server.url}/api/incidents",
        json={"position": DDM, "source": "Alarm Phone", "note": "engine failure near Zuwara"},
    ).json()
    amina.post(f"{server.url}/api/incidents", json={"position": DDM, "note": "nothing to see"})
    browser = login(server, "victor")
    page = browser.get(f"{server.url}/incidents", params={"since": "all", "q": "zuwara ALARM"})
    assert page.status_code == 200
    assert hit["id"] in page.text and "nothing to see" not in page.text
    assert 'value="zuwara ALARM"' in page.text
