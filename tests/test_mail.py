"""The morning e-mail: composition, size, SMTP (plain and STARTTLS + AUTH), retries, sent-log."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from seawatch.config import MailSettings, Recipient, Settings
from seawatch.errors import ConfigError
from seawatch.mail import (
    MailParts,
    Renderers,
    SentLog,
    check_address,
    compose,
    deliver,
    message_size,
    send_daily,
    write_dry_run,
)
from seawatch.mail.compose import Attachment
from seawatch.mail.report import (
    AreaRow,
    CalmWindow,
    IncidentLine,
    RegionWorst,
    Report,
    SourceLine,
    horizon_windows,
)
from seawatch.schema import write_dataset
from seawatch.storage import DataPaths

NOW = dt.datetime(2026, 11, 24, 4, 0, tzinfo=dt.UTC)  # 06:00 in Tripoli
VESSELS = ("rubber_dinghy", "wooden_boat", "small_boat")
AREAS = [
    ("zuwara", "Zuwara", "زوارة"),
    ("sabratha", "Sabratha", "صبراتة"),
    ("tripoli", "Tripoli", "طرابلس"),
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 2000
NO_SLEEP = {"sleep": lambda s: None, "delays": (0.0, 0.0, 0.0), "timeout": 5.0}


# -- synthetic inputs ---------------------------------------------------------------------------


def make_report(now: dt.datetime = NOW, age_hours: float = 4.0, demo: bool = False) -> Report:
    windows = horizon_windows(now)
    areas = [
        AreaRow(
            i,
            n,
            a,
            {v: tuple((k + j) % 5 for j in range(len(windows))) for k, v in enumerate(VESSELS)},
        )
        for i, n, a in AREAS
    ]
    return Report(
        created=now,
        timezone="Africa/Tripoli",
        reference_time=now - dt.timedelta(hours=age_hours),
        model="test model",
        source="open_meteo",
        demo=demo,
        has_forecast=True,
        windows=windows,
        vessels=VESSELS,
        areas=areas,
        calm=[CalmWindow("Zuwara", "زوارة", "rubber_dinghy", windows[2], windows[5])],
        regions=[RegionWorst("libya", "Libyan SRR", v, 3, windows[1]) for v in VESSELS],
        incidents=[
            IncidentLine(
                now - dt.timedelta(hours=2), 33.2083, 12.755, 47, "distress", "alarm_phone"
            )
        ],
        sources=[SourceLine("open_meteo", "2026-11-24T00:00:00Z", 3.5)],
    )


def make_risk(reference: dt.datetime = NOW - dt.timedelta(hours=4), demo: int = 0) -> xr.Dataset:
    times = pd.date_range(reference.replace(tzinfo=None), periods=7 * 24, freq="h")
    lat = np.arange(32.5, 34.0, 0.1)
    lon = np.arange(11.0, 14.0, 0.1)
    level = np.random.default_rng(1).integers(0, 5, (len(times), 3, len(lat), len(lon)))
    return xr.Dataset(
        {
            "hazard_level": (("time", "vessel", "lat", "lon"), level.astype(np.int8)),
            "hazard_score": (("time", "vessel", "lat", "lon"), level.astype(np.float32) + 0.5),
        },
        coords={"time": times, "vessel": list(VESSELS), "lat": lat, "lon": lon},
        attrs={
            "source": "open_meteo",
            "model": "test",
            "reference_time": reference.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "demo": demo,
        },
    )


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))


def parse_html(text: str) -> list[tuple[str, dict[str, str | None]]]:
    finder = _Finder()
    finder.feed(text)
    finder.close()
    return finder.tags


def fake_renderers(interactive_sizes: dict[int, int] | None = None) -> Renderers:
    """A static map of a few bytes; an interactive map whose size depends on its time step."""
    sizes = interactive_sizes or {}

    def static(risk, incidents, out, settings, lang, now, departures=None):  # type: ignore[no-untyped-def]
        Path(out).write_bytes(PNG)

    def interactive(risk, incidents, out, settings, lang, now, departures=None):  # type: ignore[no-untyped-def]
        hours = np.diff(risk["time"].values[:2]) / np.timedelta64(1, "h")
        step = int(hours[0]) if len(hours) else 1
        pad = "x" * sizes.get(step, 1000)
        frames = risk.sizes["time"]
        Path(out).write_text(
            f'<!DOCTYPE html><html lang="{lang}"><head><title>map</title></head><body>'
            f'<div class="folium-map" id="map" data-frames="{frames}"></div><!-- {pad} --></body></html>'
        )

    return Renderers(static=static, interactive=interactive, incidents=lambda s: None)


def settings_for(tmp_path: Path, port: int, **mail: object) -> Settings:
    recipients = mail.pop(
        "recipients",
        (Recipient("ops@example.org", "en"), Recipient("lcg@example.ly", "ar")),
    )
    base = MailSettings(
        host="127.0.0.1",
        port=port,
        security="none",
        sender="seawatch@example.org",
        recipients=recipients,  # type: ignore[arg-type]
    )
    return Settings(data_dir=tmp_path, mail=dataclasses.replace(base, **mail))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory with a risk file; summary and incidents come from fakes."""
    write_dataset(make_risk(), DataPaths(tmp_path).risk)

    def fake_summary(report, risk, settings):  # type: ignore[no-untyped-def]
        fake = make_report(report.created)
        report.areas, report.calm, report.regions = fake.areas, fake.calm, fake.regions

    monkeypatch.setattr("seawatch.mail.report._fill_summary", fake_summary)
    monkeypatch.setattr(
        "seawatch.mail.report._fill_incidents",
        lambda report, settings: setattr(report, "incidents", make_report().incidents),
    )
    return tmp_path


# -- SMTP servers on loopback -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    """Keeps what it receives; ``refuse`` maps address -> list of replies to give first."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse: dict[str, list[str]] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        replies = self.refuse.get(address)
        if replies:
            return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(
            (list(envelope.rcpt_tos), envelope.original_content or envelope.content)
        )
        return "250 Message accepted"

    def received(self, address: str) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(data, policy=email.policy.default)
            for rcpts, data in self.messages
            if address in rcpts
        ]


@pytest.fixture
def smtp_server():
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path_factory):
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        logins.append((auth_data.login, auth_data.password))
        ok = auth_data.password == b"s3cret pass"
        return AuthResult(success=ok, handled=False)

    handler = Handler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_ctx,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
        auth_required=True,
    )
    controller.start()
    try:
        yield handler, controller.port, ssl.create_default_context(cafile=str(cert)), logins
    finally:
        controller.stop()


# -- addresses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "ops@example.org\r\nBcc: everyone@example.org",
        "ops@example.org\nX-Injected: 1",
        "Ops <ops@example.org>",
        "ops@example.org, other@example.org",
        "ops@localhost",
        "opsexample.org",
        "ops@@example.org",
        "öps@example.org",
        "ops@example.org ",
        "",
    ],
)
def test_check_address_refuses(address):
    with pytest.raises(ConfigError):
        check_address(address)


def test_check_address_accepts_plain():
    assert check_address("planner.ops+sar@lcg.example.ly") == "planner.ops+sar@lcg.example.ly"


def test_send_refuses_injected_recipient(tmp_path, smtp_server):
    handler, port = smtp_server
    settings = settings_for(
        tmp_path, port, recipients=(Recipient("a@example.org\r\nBcc: x@example.org", "en"),)
    )
    with pytest.raises(ConfigError, match="line break"):
        send_daily(settings, now=NOW, renderers=fake_renderers())
    assert handler.messages == []


# -- composition ------------------------------------------------------------------------------


def _parts(html_size: int = 1000) -> MailParts:
    page = f'<html><body><div class="folium-map" id="map"></div>{"x" * html_size}</body></html>'
    return MailParts(
        map_png=PNG,
        interactive=Attachment("seawatch-map-2026-11-24-en.html", page.encode(), "text", "html"),
    )


def test_compose_structure_and_content():
    msg = compose(make_report(), "en", _parts(), "seawatch@example.org", "ops@example.org")
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "Sea-state risk - Central Mediterranean - 2026-11-24 (run 00 UTC)"
    assert parsed.get_content_type() == "multipart/mixed"
    assert parsed["Auto-Submitted"] == "auto-generated"
    plain = parsed.get_body(("plain",)).get_content()
    assert "Zuwara" in plain and "33°12.498'N" in plain and "012°45.300'E" in plain
    assert "Departure windows" in plain and "Libyan SRR" in plain
    html_part = parsed.get_body(("html",))
    html = html_part.get_content()
    images = [p for p in parsed.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    cid = images[0]["Content-ID"].strip("<>")
    tags = parse_html(html)
    assert ("img", {"src": f"cid:{cid}"}) in [
        (t, {"src": a.get("src")}) for t, a in tags if t == "img"
    ]
    assert images[0].get_payload(decode=True) == PNG
    tables = [a for t, a in tags if t == "table" and a.get("data-vessel")]
    assert [a["data-vessel"] for a in tables] == list(VESSELS)
    rows = [a["data-area"] for t, a in tags if t == "tr" and a.get("class") == "area"]
    assert rows == [a[0] for a in AREAS] * len(VESSELS)  # one row per departure area per table
    attachments = list(parsed.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["seawatch-map-2026-11-24-en.html"]
    map_tags = parse_html(attachments[0].get_content())
    assert ("div", "map") in [(t, a.get("id")) for t, a in map_tags]


def test_arabic_is_right_to_left():
    msg = compose(make_report(), "ar", _parts(), "seawatch@example.org", "lcg@example.ly")
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert "مخاطر حالة البحر" in parsed["Subject"]
    assert parsed["Content-Language"] == "ar"
    tags = parse_html(parsed.get_body(("html",)).get_content())
    assert tags[0] == ("html", {"lang": "ar", "dir": "rtl"})
    assert "زوارة" in parsed.get_body(("plain",)).get_content()


def test_stale_and_demo_are_flagged():
    report = make_report(age_hours=30, demo=True)
    msg = compose(report, "en", _parts(), "seawatch@example.org", "ops@example.org")
    assert msg["Subject"].startswith("DEMO, NOT A FORECAST - ")
    assert msg["Subject"].endswith("- STALE DATA")
    plain = msg.get_body(("plain",)).get_content()
    assert "STALE FORECAST: the newest forecast is 30 h old" in plain
    assert "DEMO DATA" in plain
    fresh = compose(make_report(age_hours=4), "en", _parts(), "s@example.org", "o@example.org")
    assert "STALE" not in fresh.as_string()


def test_failing_jobs_are_in_the_message():
    report = make_report()
    report.failing_jobs = [
        {"job": "weather", "count": 3, "since": "2026-11-23 13:30", "error": "HTTP 503"}
    ]
    msg = compose(report, "en", _parts(), "s@example.org", "o@example.org")
    assert "Weather fetch failed 3 times in a row since 2026-11-23 13:30 UTC" in (
        msg.get_body(("plain",)).get_content()
    )


def test_no_forecast_still_composes(tmp_path, smtp_server):
    handler, port = smtp_server
    settings = settings_for(tmp_path, port)
    result = send_daily(settings, now=NOW, renderers=fake_renderers())
    assert result.ok
    msg = handler.received("ops@example.org")[0]
    assert msg["Subject"].endswith("(no forecast)")
    assert "NO FORECAST" in msg.get_body(("plain",)).get_content()


# -- size limit ------------------------------------------------------------------------------


def test_interactive_map_thinned_until_the_message_fits(data_dir, smtp_server):
    handler, port = smtp_server
    settings = settings_for(data_dir, port, max_bytes=400_000, attach_netcdf=True)
    # 3-hourly map too big, 6-hourly fits (after base64: x 4/3)
    renderers = fake_renderers({3: 600_000, 6: 200_000})
    result = send_daily(settings, now=NOW, renderers=renderers)
    assert result.ok
    for addr, size in result.sizes.items():
        assert size <= 400_000, addr
        raw = next(d for r, d in handler.messages if addr in r)
        assert len(raw) <= 400_000
    msg = handler.received("ops@example.org")[0]
    att = next(a for a in msg.iter_attachments() if a.get_filename().endswith(".html"))
    frames = [a.get("data-frames") for t, a in parse_html(att.get_content()) if t == "div"]
    assert frames == ["13"]  # 72 h every 6 h


def test_interactive_map_dropped_when_nothing_fits(data_dir, smtp_server):
    handler, port = smtp_server
    settings = settings_for(data_dir, port, max_bytes=300_000)
    renderers = fake_renderers({3: 900_000, 6: 800_000, 12: 700_000})
    assert send_daily(settings, now=NOW, renderers=renderers).ok
    msg = handler.received("ops@example.org")[0]
    assert list(msg.iter_attachments()) == []
    assert "could not be attached today (too large for e-mail)" in (
        msg.get_body(("plain",)).get_content()
    )


def test_netcdf_attached_when_asked_and_it_fits(data_dir, smtp_server):
    handler, port = smtp_server
    settings = settings_for(data_dir, port, attach_netcdf=True)
    assert send_daily(settings, now=NOW, renderers=fake_renderers()).ok
    msg = handler.received("ops@example.org")[0]
    names = [a.get_filename() for a in msg.iter_attachments()]
    assert "seawatch-risk-2026-11-24.nc" in names
    nc = next(a for a in msg.iter_attachments() if a.get_filename().endswith(".nc"))
    path = data_dir / "got.nc"
    path.write_bytes(nc.get_payload(decode=True))
    with xr.open_dataset(path, engine="netcdf4") as ds:
        assert ds.sizes["time"] == 73 and "hazard_level" in ds


# -- SMTP -------------------------------------------------------------------------------------


def test_plain_smtp_end_to_end(data_dir, smtp_server):
    handler, port = smtp_server
    settings = settings_for(data_dir, port)
    result = send_daily(settings, now=NOW, renderers=fake_renderers())
    assert result.ok and [d.address for d in result.deliveries] == [
        "ops@example.org",
        "lcg@example.ly",
    ]
    en = handler.received("ops@example.org")
    ar = handler.received("lcg@example.ly")
    assert len(en) == len(ar) == 1
    assert en[0]["To"] == "ops@example.org"  # each recipient gets a message of their own
    assert en[0]["Content-Language"] == "en" and ar[0]["Content-Language"] == "ar"
    html = en[0].get_body(("html",)).get_content()
    cid = next(p for p in en[0].walk() if p.get_content_type() == "image/png")["Content-ID"]
    assert f'src="cid:{cid.strip("<>")}"' in html
    rows = [a["data-area"] for t, a in parse_html(html) if t == "tr" and a.get("class") == "area"]
    assert sorted(set(rows)) == sorted(a[0] for a in AREAS)


def test_starttls_with_auth(data_dir, tls_server, monkeypatch):
    handler, port, client_ctx, logins = tls_server
    monkeypatch.setenv("SEAWATCH_SMTP_PASSWORD", "s3cret pass")
    settings = settings_for(data_dir, port, security="starttls", user="seawatch")
    result = send_daily(
        settings, now=NOW, renderers=fake_renderers(), deliver_kwargs={"ssl_context": client_ctx}
    )
    assert result.ok, result.lines()
    assert logins and logins[0] == (b"seawatch", b"s3cret pass")
    msg = handler.received("ops@example.org")[0]
    assert msg.get_body(("html",)) is not None


def test_wrong_password_is_permanent_for_everyone(tls_server, monkeypatch):
    _handler, port, client_ctx, _ = tls_server
    mail = MailSettings(
        host="127.0.0.1", port=port, security="starttls", user="seawatch", sender="s@example.org"
    )
    msg = compose(make_report(), "en", _parts(), "s@example.org", "ops@example.org")
    out = deliver(
        mail, [("ops@example.org", msg)], password="wrong", ssl_context=client_ctx, **NO_SLEEP
    )
    assert not out[0].ok and out[0].permanent and out[0].attempts == 1
    assert "authentication refused: 535" in out[0].error


def test_untrusted_certificate_is_not_accepted(tls_server):
    handler, port, _, _ = tls_server
    mail = MailSettings(host="127.0.0.1", port=port, security="starttls", sender="s@example.org")
    msg = compose(make_report(), "en", _parts(), "s@example.org", "ops@example.org")
    out = deliver(mail, [("ops@example.org", msg)], **NO_SLEEP)
    assert not out[0].ok and "CERTIFICATE_VERIFY_FAILED" in out[0].error
    assert handler.messages == []


def test_password_never_sent_in_clear(monkeypatch):
    monkeypatch.setenv("SEAWATCH_SMTP_PASSWORD", "x")
    mail = MailSettings(
        host="smtp.example.org", port=25, security="none", user="u", sender="s@example.org"
    )
    with pytest.raises(ConfigError, match="unencrypted"):
        deliver(mail, [], **NO_SLEEP)


def test_missing_password_is_a_config_error(monkeypatch):
    monkeypatch.delenv("SEAWATCH_SMTP_PASSWORD", raising=False)
    mail = MailSettings(host="127.0.0.1", port=1, user="u", sender="s@example.org")
    msg = compose(make_report(), "en", _parts(), "s@example.org", "o@example.org")
    with pytest.raises(ConfigError, match="SEAWATCH_SMTP_PASSWORD"):
        deliver(mail, [("o@example.org", msg)], **NO_SLEEP)


def test_temporary_failure_is_retried(data_dir, smtp_server):
    handler, port = smtp_server
    handler.refuse["ops@example.org"] = ["451 4.3.0 try again later", "421 4.7.0 busy"]
    pauses: list[float] = []
    settings = settings_for(data_dir, port)
    result = send_daily(
        settings,
        now=NOW,
        renderers=fake_renderers(),
        deliver_kwargs={"sleep": pauses.append, "delays": (1.0, 2.0, 3.0)},
    )
    assert result.ok, result.lines()
    ops = next(d for d in result.deliveries if d.address == "ops@example.org")
    assert ops.attempts == 3 and pauses == [1.0, 2.0]
    assert len(handler.received("ops@example.org")) == 1
    assert len(handler.received("lcg@example.ly")) == 1


def test_connection_refused_is_retried_then_reported():
    port = free_port()  # nothing listens there
    mail = MailSettings(host="127.0.0.1", port=port, security="none", sender="s@example.org")
    msg = compose(make_report(), "en", _parts(), "s@example.org", "o@example.org")
    out = deliver(mail, [("o@example.org", msg)], **NO_SLEEP)
    assert not out[0].ok and not out[0].permanent and out[0].attempts == 4
    assert "ConnectionRefusedError" in out[0].error
    assert "temporary failure, gave up" in out[0].line()


def test_permanent_failure_for_one_recipient_others_still_get_it(data_dir, smtp_server):
    handler, port = smtp_server
    handler.refuse["gone@example.org"] = ["550 5.1.1 no such user"] * 5
    settings = settings_for(
        data_dir,
        port,
        recipients=(
            Recipient("ops@example.org", "en"),
            Recipient("gone@example.org", "en"),
            Recipient("lcg@example.ly", "ar"),
        ),
    )
    result = send_daily(settings, now=NOW, renderers=fake_renderers(), deliver_kwargs=NO_SLEEP)
    by_addr = {d.address: d for d in result.deliveries}
    assert by_addr["ops@example.org"].ok and by_addr["lcg@example.ly"].ok
    gone = by_addr["gone@example.org"]
    assert not gone.ok and gone.permanent and gone.attempts == 1
    assert gone.error == "550 5.1.1 no such user"
    assert "gone@example.org: refused: 550 5.1.1 no such user" in result.lines()
    log = SentLog.for_data_dir(data_dir)
    assert log.status("2026-11-24", "gone@example.org") == "failed"
    assert log.status("2026-11-24", "ops@example.org") == "sent"


# -- once per day -----------------------------------------------------------------------------


def test_restart_after_sending_sends_nothing_more_that_day(data_dir, smtp_server):
    handler, port = smtp_server
    settings = settings_for(data_dir, port)
    first = send_daily(settings, now=NOW, renderers=fake_renderers())
    assert first.ok and len(handler.messages) == 2
    # a new process: nothing in memory, only the sent-log on disk
    later = NOW + dt.timedelta(hours=5)
    again = send_daily(settings, now=later, renderers=fake_renderers())
    assert again.deliveries == [] and sorted(again.skipped) == ["lcg@example.ly", "ops@example.org"]
    assert len(handler.messages) == 2
    # 23:30 UTC is already the next day in Tripoli (UTC+2): a new message
    next_day = send_daily(settings, now=NOW.replace(hour=23, minute=30), renderers=fake_renderers())
    assert next_day.ok and len(next_day.deliveries) == 2 and len(handler.messages) == 4


def test_failed_recipient_is_retried_later_the_same_day(data_dir, smtp_server):
    handler, port = smtp_server
    handler.refuse["ops@example.org"] = ["452 mailbox full"] * 4
    settings = settings_for(data_dir, port, recipients=(Recipient("ops@example.org", "en"),))
    first = send_daily(settings, now=NOW, renderers=fake_renderers(), deliver_kwargs=NO_SLEEP)
    assert not first.ok and not first.deliveries[0].permanent
    second = send_daily(settings, now=NOW, renderers=fake_renderers(), deliver_kwargs=NO_SLEEP)
    assert second.ok and len(handler.received("ops@example.org")) == 1


def test_send_cut_short_counts_as_sent(tmp_path):
    log = SentLog.for_data_dir(tmp_path)
    assert log.claim("2026-11-24", "ops@example.org")
    # the process dies here, between the SMTP session and recording its outcome
    assert SentLog.for_data_dir(tmp_path).done("2026-11-24", "ops@example.org")
    assert not SentLog.for_data_dir(tmp_path).claim("2026-11-24", "ops@example.org")


def test_dry_run_writes_an_eml(data_dir):
    settings = settings_for(data_dir, 25)
    path, size = write_dry_run(settings, data_dir / "out.eml", now=NOW, renderers=fake_renderers())
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert msg["To"] == "ops@example.org" and size == path.stat().st_size
    assert SentLog.for_data_dir(data_dir).day("2026-11-24") == []


def test_message_size_counts_base64():
    def with_netcdf(size: int) -> MailParts:
        data = np.random.default_rng(0).integers(0, 256, size, dtype=np.uint8).tobytes()
        return MailParts(PNG, None, 72, "", [Attachment("r.nc", data, "application", "x-netcdf")])

    small = compose(make_report(), "en", with_netcdf(10), "s@example.org", "o@example.org")
    big = compose(make_report(), "en", with_netcdf(300_000), "s@example.org", "o@example.org")
    assert message_size(big) - message_size(small) > 300_000 * 4 / 3 * 0.98


def test_text_attachment_travels_in_the_shorter_encoding():
    """The map page (mostly ASCII) goes quoted-printable, a third smaller than base64, intact;
    text that is mostly Arabic stays base64, which is shorter for it."""
    page = '<html><body><script>var d = {"a": "x = 1; y = 2"};</script>' + "xyz " * 50_000
    page += "<p>طرابلس</p></body></html>\n"
    arabic = "<p>" + "مخاطر حالة البحر " * 5_000 + "</p>\n"
    parts = MailParts(
        PNG,
        Attachment("map.html", page.encode(), "text", "html"),
        72,
        "",
        [Attachment("notes.html", arabic.encode(), "text", "html")],
    )
    msg = compose(make_report(), "ar", parts, "s@example.org", "o@example.org")
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    got = {a.get_filename(): a for a in parsed.iter_attachments()}
    assert got["map.html"]["Content-Transfer-Encoding"] == "quoted-printable"
    assert got["notes.html"]["Content-Transfer-Encoding"] == "base64"
    # Same text; line ends arrive as CRLF, which browsers read the same way.
    assert got["map.html"].get_content().replace("\r\n", "\n") == page
    assert got["notes.html"].get_payload(decode=True) == arabic.encode()
    assert len(got["map.html"].get_payload()) < len(page.encode()) * 1.1  # base64: x 1.35


def test_report_from_the_real_summary():
    from seawatch.layers.params import LayerParams
    from seawatch.layers.summary import summarize
    from seawatch.mail.report import from_summary

    risk = make_risk()
    report = Report(created=NOW, timezone="Africa/Tripoli", windows=horizon_windows(NOW))
    from_summary(report, summarize(risk, LayerParams.from_settings(Settings()).summary))
    ids = [a.id for a in report.areas]
    assert {"zuwara", "sabratha", "tripoli"} <= set(ids)
    zuwara = report.areas[ids.index("zuwara")]
    assert zuwara.name_ar == "زوارة"
    assert set(zuwara.levels) == set(VESSELS)
    assert all(len(v) == len(report.windows) == 12 for v in zuwara.levels.values())
    assert all(level in range(5) for v in zuwara.levels.values() for level in v)
    assert {r.id for r in report.regions} >= {"libya"}
    msg = compose(report, "en", _parts(), "s@example.org", "o@example.org")
    rows = parse_html(msg.get_body(("html",)).get_content())
    areas = [a["data-area"] for t, a in rows if t == "tr" and a.get("class") == "area"]
    assert areas == ids * len(VESSELS)


def test_old_forecast_is_stale_in_the_report(tmp_path):
    from seawatch.mail.report import gather_report

    settings = Settings(data_dir=tmp_path)
    old = gather_report(settings, make_risk(NOW - dt.timedelta(hours=30)), NOW)
    assert old.stale and round(old.forecast_age_hours) == 30
    fresh = gather_report(settings, make_risk(NOW - dt.timedelta(hours=6)), NOW)
    assert not fresh.stale
    unknown = make_risk()
    del unknown.attrs["reference_time"]
    assert gather_report(settings, unknown, NOW).stale


def test_arabic_body_parts_take_the_shorter_encoding():
    """Each Arabic body part goes in the shorter of quoted-printable and base64 over the whole
    part (Python's own choice looks at its first lines only, which are Arabic); the Arabic
    plain text is shorter in base64."""
    import base64
    import quopri

    msg = compose(make_report(), "ar", _parts(), "s@example.org", "lcg@example.ly")
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    html, plain = parsed.get_body(("html",)), parsed.get_body(("plain",))
    raw = html.get_content().encode("utf-8")
    sizes = {
        "quoted-printable": len(quopri.encodestring(raw)),
        "base64": len(base64.encodebytes(raw)),
    }
    assert html["Content-Transfer-Encoding"] == min(sizes, key=sizes.get)
    assert plain["Content-Transfer-Encoding"] == "base64"
    assert len(html.get_payload()) <= 1.05 * min(sizes.values())
    assert "زوارة" in plain.get_content() and "زوارة" in html.get_content()
    english = compose(make_report(), "en", _parts(), "s@example.org", "o@example.org")
    assert english.get_body(("plain",))["Content-Transfer-Encoding"] in ("7bit", "quoted-printable")


def test_map_that_fails_is_not_called_too_large(data_dir, smtp_server):
    from seawatch.mail.texts import t

    handler, port = smtp_server
    settings = settings_for(data_dir, port)
    renderers = fake_renderers()

    def broken(risk, incidents, out, settings, lang, now, departures=None):  # type: ignore[no-untyped-def]
        raise ValueError("no frames")

    renderers.interactive = broken
    assert send_daily(settings, now=NOW, renderers=renderers).ok
    for address, lang in (("ops@example.org", "en"), ("lcg@example.ly", "ar")):
        msg = handler.received(address)[0]
        assert list(msg.iter_attachments()) == []
        plain = msg.get_body(("plain",)).get_content()
        reason = t("mail.reason.failed", lang)
        assert t("mail.attached.map_missing", lang, reason=reason) in plain
        assert t("mail.reason.too_large", lang) not in plain


def test_the_summary_part_reads_the_file_the_build_wrote(tmp_path):
    """The e-mail's table is the summary beside risk.nc; without it the part says what to run."""
    from seawatch.mail.report import gather_report
    from seawatch.pipeline import write_risk_summary
    from seawatch.schema import open_dataset

    settings = Settings(data_dir=tmp_path)
    risk_path = write_dataset(make_risk(), DataPaths(tmp_path).risk)
    risk = open_dataset(risk_path, "risk")
    without = gather_report(settings, risk, NOW)
    assert "summary" in [p.part for p in without.problems]
    assert any("run `seawatch build`" in p.detail for p in without.problems if p.part == "summary")
    write_risk_summary(settings, risk, risk_path)
    report = gather_report(settings, risk, NOW)
    assert "summary" not in [p.part for p in report.problems]
    assert report.areas  # the departure-area table came from the file


def test_departure_windows_are_read_once_for_every_map_of_the_message(data_dir, smtp_server):
    """The static and the interactive map of each language and time step draw the one
    departures.nc the build wrote beside risk.nc, read once per sending."""
    from seawatch.pipeline import write_risk_summary
    from seawatch.schema import open_dataset
    from seawatch.summaries import read_departures

    _handler, port = smtp_server
    settings = settings_for(data_dir, port, max_bytes=400_000)
    risk_path = DataPaths(data_dir).risk
    write_risk_summary(settings, open_dataset(risk_path, "risk"), risk_path)
    renderers = fake_renderers({3: 600_000})  # the 3-hourly map is too big: 6-hourly is tried
    read = Renderers.default().departures
    reads: list[object] = []
    drawn: list[tuple[str, str, object]] = []

    def departures(settings, risk):  # type: ignore[no-untyped-def]
        reads.append(read(settings, risk))
        return reads[-1]

    def recorded(kind, render):  # type: ignore[no-untyped-def]
        def draw(risk, incidents, out, settings, lang, now, departures=None):  # type: ignore[no-untyped-def]
            drawn.append((kind, lang, departures))
            return render(risk, incidents, out, settings, lang, now)

        return draw

    renderers.departures = departures
    renderers.static = recorded("static", renderers.static)
    renderers.interactive = recorded("interactive", renderers.interactive)
    assert send_daily(settings, now=NOW, renderers=renderers).ok
    assert len(reads) == 1 and isinstance(reads[0], xr.Dataset)
    expected = read_departures(risk_path, open_dataset(risk_path, "risk").attrs.get("created_at"))
    assert reads[0].identical(expected)
    assert sorted((kind, lang) for kind, lang, _ in drawn) == [
        ("interactive", "ar"),
        ("interactive", "ar"),
        ("interactive", "en"),
        ("interactive", "en"),
        ("static", "ar"),
        ("static", "en"),
    ]
    assert all(seen is reads[0] for _, _, seen in drawn)
