"""The live map: rendered in the background, last good one kept while a build runs or fails."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import xarray as xr

from seawatch.config import load_settings
from seawatch.web.mapcache import MapCache, inject
from seawatch.web.security import script_hashes


def settings_in(tmp_path: Path):
    return load_settings(data_dir=tmp_path, environ={})


def write_risk(path: Path, value: int) -> None:
    ds = xr.Dataset({"hazard_level": (("lat",), np.array([value], dtype=np.int8))})
    ds.to_netcdf(path)
    stamp = time.time() + value  # distinct modification times even on coarse clocks
    os.utime(path, (stamp, stamp))


class Renderer:
    """Writes a page naming the hazard value; can be told to fail or to block."""

    def __init__(self) -> None:
        self.fail = False
        self.gate: threading.Event | None = None
        self.calls = 0

    def __call__(self, risk, out, settings, lang):
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(10)
        if self.fail:
            raise RuntimeError("render broke")
        level = int(risk["hazard_level"].values[0])
        Path(out).write_text(
            f"<html><body><script>var level={level};</script>map {level} {lang}</body></html>"
        )
        return Path(out)


def test_renders_injects_and_hashes(tmp_path):
    write_risk(tmp_path / "risk.nc", 1)
    render = Renderer()
    cache = MapCache(settings_in(tmp_path), snippet=lambda lang: f"<i>{lang}</i>", render=render)
    assert cache.page("en") is None
    cache.check_once()
    page = cache.page("en")
    assert b"map 1 en<i>en</i></body>" in page.html
    assert page.script_hashes == script_hashes("<script>var level=1;</script>")


def test_failed_build_keeps_the_last_good_map(tmp_path):
    write_risk(tmp_path / "risk.nc", 1)
    render = Renderer()
    cache = MapCache(settings_in(tmp_path), render=render)
    cache.check_once()
    render.fail = True
    write_risk(tmp_path / "risk.nc", 2)
    cache.check_once()
    assert b"map 1" in cache.page("en").html
    assert "render broke" in cache.state()["last_error"]
    calls = render.calls
    cache.check_once()  # the same broken input is not retried at every poll
    assert render.calls == calls
    render.fail = False
    write_risk(tmp_path / "risk.nc", 3)
    cache.check_once()
    assert b"map 3" in cache.page("en").html


def test_serves_the_last_good_map_while_a_build_runs(tmp_path):
    write_risk(tmp_path / "risk.nc", 1)
    render = Renderer()
    cache = MapCache(settings_in(tmp_path), render=render, poll_seconds=0.05)
    cache.check_once()
    render.gate = threading.Event()
    write_risk(tmp_path / "risk.nc", 2)
    cache.start()
    try:
        deadline = time.monotonic() + 5
        while not cache.building and time.monotonic() < deadline:
            time.sleep(0.01)
        assert cache.building
        assert b"map 1" in cache.page("en").html
        render.gate.set()
        while b"map 2" not in cache.page("en").html and time.monotonic() < deadline:
            time.sleep(0.01)
        assert b"map 2" in cache.page("en").html
    finally:
        render.gate.set()
        cache.stop()


def test_a_restart_reuses_the_rendered_map(tmp_path):
    write_risk(tmp_path / "risk.nc", 1)
    first = Renderer()
    MapCache(settings_in(tmp_path), render=first).check_once()
    second = Renderer()
    cache = MapCache(settings_in(tmp_path), render=second, poll_seconds=60)
    cache.start()
    try:
        assert b"map 1" in cache.page("en").html
        cache.check_once()
        assert second.calls == 0
    finally:
        cache.stop()


def test_other_language_is_rendered_on_request(tmp_path):
    write_risk(tmp_path / "risk.nc", 1)
    cache = MapCache(settings_in(tmp_path), render=Renderer())
    cache.check_once()
    assert cache.page("ar") is None
    cache.check_once()
    assert b"map 1 ar" in cache.page("ar").html


def test_inject_before_body_end():
    assert inject("<html><BODY>x</BODY></html>", "<s>") == "<html><BODY>x<s></BODY></html>"
    assert inject("no body", "<s>") == "no body<s>"
