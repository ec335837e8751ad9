"""The live map behind ``/``: re-rendered in the background when ``<data>/risk.nc`` changes.

The map is rendered without incidents (the page draws them live from ``/api/incidents``) into
``<data>/state/web/map-<lang>.html``. While a render runs, or after one fails, the last good map
keeps being served; a failed build is retried when the risk file changes again, or after
:data:`RETRY_SECONDS`. A restarted service reuses the rendered file if the risk file has not
changed since.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seawatch.config import Settings
from seawatch.schema import open_dataset
from seawatch.storage import DataPaths, atomic_path, atomic_write_text
from seawatch.timeutil import isoformat_utc, now_utc
from seawatch.web.security import script_hashes

log = logging.getLogger(__name__)

RETRY_SECONDS = 300.0
Renderer = Callable[[Any, Path, Settings, str], Path]
"""``render(risk_dataset, out, settings, lang) -> path`` writes a self-contained map.html."""


@dataclass(frozen=True)
class MapPage:
    """One rendered map, ready to serve.

    Attributes
    ----------
    html
        The page with the coordinator layer injected.
    script_hashes
        CSP sources of its inline scripts.
    risk_mtime_ns
        Modification time of the risk file it was rendered from.
    built_at
        When it was rendered (ISO 8601 UTC).
    """

    html: bytes
    script_hashes: frozenset[str]
    risk_mtime_ns: int
    built_at: str


def render_with_folium(risk: Any, out: Path, settings: Settings, lang: str) -> Path:
    """The production renderer: :func:`seawatch.maps.interactive.render_interactive`."""
    from seawatch.maps.interactive import render_interactive

    # Drifts come live from /api/drifts (editor.js). The departure timeline stays on the
    # planners' map.html: docked under this map it would cover the coordinators' markers.
    return render_interactive(risk, None, out, settings, lang=lang)


def inject(html: str, snippet: str) -> str:
    """Insert ``snippet`` just before ``</body>`` (or at the end if there is none)."""
    index = html.lower().rfind("</body>")
    if index < 0:
        return html + snippet
    return html[:index] + snippet + html[index:]


class MapCache:
    """Keeps the newest good rendering of the live map per language.

    Parameters
    ----------
    settings
        Where the data directory is; the default language.
    snippet
        HTML inserted before ``</body>`` of every rendered map (the coordinator layer), or a
        function of the language giving it.
    render
        The renderer (default :func:`render_with_folium`).
    poll_seconds
        How often to look at the risk file's modification time.
    """

    def __init__(
        self,
        settings: Settings,
        snippet: Callable[[str], str] | str = "",
        render: Renderer | None = None,
        poll_seconds: float = 5.0,
    ):
        self.settings = settings
        self.snippet = snippet
        self.render = render or render_with_folium
        self.poll_seconds = poll_seconds
        self.risk_path = DataPaths(settings.data_dir).risk
        self.out_dir = DataPaths(settings.data_dir).state_dir / "web"
        self._pages: dict[str, MapPage] = {}
        self._langs: set[str] = {settings.lang}
        self._failed: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.building = False
        self.last_error: str | None = None
        self.last_error_at: str | None = None

    # public -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Load what was rendered before and start watching the risk file."""
        for lang in list(self._langs):
            self._load_saved(lang)
        self._thread = threading.Thread(target=self._loop, name="seawatch-map", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching (a render in progress is left to finish in its daemon thread)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def page(self, lang: str) -> MapPage | None:
        """The newest good map in ``lang`` (None before the first one exists)."""
        with self._lock:
            if lang not in self._langs:
                self._langs.add(lang)
                self._wake.set()
            return self._pages.get(lang)

    def refresh(self) -> None:
        """Look at the risk file now instead of at the next poll."""
        self._wake.set()

    def state(self) -> dict[str, Any]:
        """For ``/api/status``: what is served, whether a build runs, the last failure."""
        with self._lock:
            pages = {lang: p.built_at for lang, p in self._pages.items()}
        return {
            "maps": pages,
            "building": self.building,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
        }

    def check_once(self) -> None:
        """Render every language whose map is older than the risk file (used by the thread)."""
        try:
            mtime = self.risk_path.stat().st_mtime_ns
        except FileNotFoundError:
            return
        with self._lock:
            langs = sorted(self._langs)
        for lang in langs:
            if self._stop.is_set():
                return
            page = self._pages.get(lang)
            if page is not None and page.risk_mtime_ns == mtime:
                continue
            failed = self._failed.get(lang)
            if failed and failed[0] == mtime and time.monotonic() - failed[1] < RETRY_SECONDS:
                continue
            self._build(lang, mtime)

    # internals --------------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.check_once()
            except Exception:  # the watcher must survive anything a build throws
                log.exception("live map watcher failed; trying again")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def _paths(self, lang: str) -> tuple[Path, Path]:
        return self.out_dir / f"map-{lang}.html", self.out_dir / f"map-{lang}.json"

    def _build(self, lang: str, mtime: int) -> None:
        html_path, meta_path = self._paths(lang)
        self.building = True
        started = time.monotonic()
        try:
            risk = open_dataset(self.risk_path, "risk")
            with atomic_path(html_path) as tmp:
                written = self.render(risk, tmp, self.settings, lang)
                if Path(written) != tmp:
                    os.replace(written, tmp)
            built_at = isoformat_utc(now_utc())
            atomic_write_text(meta_path, json.dumps({"risk_mtime_ns": mtime, "built_at": built_at}))
            self._install(lang, html_path.read_text(encoding="utf-8"), mtime, built_at)
            self._failed.pop(lang, None)
            log.info("live map (%s) rendered in %.1f s", lang, time.monotonic() - started)
        except Exception as exc:
            self._failed[lang] = (mtime, time.monotonic())
            self.last_error = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
            self.last_error_at = isoformat_utc(now_utc())
            log.warning(
                "live map (%s) not rendered, still serving the last good one: %s",
                lang,
                self.last_error,
            )
        finally:
            self.building = False

    def _install(self, lang: str, html: str, mtime: int, built_at: str) -> None:
        snippet = self.snippet(lang) if callable(self.snippet) else self.snippet
        page = inject(html, snippet)
        entry = MapPage(
            html=page.encode("utf-8"),
            script_hashes=script_hashes(page),
            risk_mtime_ns=mtime,
            built_at=built_at,
        )
        with self._lock:
            self._pages[lang] = entry

    def _load_saved(self, lang: str) -> None:
        html_path, meta_path = self._paths(lang)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            html = html_path.read_text(encoding="utf-8")
            self._install(lang, html, int(meta["risk_mtime_ns"]), str(meta["built_at"]))
        except (OSError, ValueError, KeyError, TypeError):
            return
