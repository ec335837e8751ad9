"""Settings: one TOML file plus ``SEAWATCH_*`` environment overrides.

Where the file is found: ``--config FILE``, else ``$SEAWATCH_CONFIG``, else ``./seawatch.toml``,
else the built-in defaults. Any key may be overridden from the environment as
``SEAWATCH_<SECTION>_<KEY>`` (``SEAWATCH_AREA_WEST=11``, ``SEAWATCH_STORE_URL=postgresql://...``,
``SEAWATCH_SOURCES_OPEN_METEO_SPACING=0.5``, ``SEAWATCH_LANG=ar``); values are read as TOML
literals when they parse as one (numbers, booleans, ``["a", "b"]``), else as plain strings.
``SEAWATCH_DATA_DIR`` sets the data directory.

Secrets never live in the file: the SMTP password comes from ``SEAWATCH_SMTP_PASSWORD`` and each
source names the environment variables that hold its credentials.

Every key is declared once, in the dataclasses below, with its type and default. Loading checks
names, types and values and stops at the first problem with one line naming the key.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from seawatch.errors import ConfigError

ENV_PREFIX = "SEAWATCH_"
log = logging.getLogger(__name__)
SECRET_KEY_PATTERN = re.compile(r"password|secret|token|apikey|api_key", re.IGNORECASE)


@dataclass(frozen=True)
class AreaSettings:
    """Area of interest, degrees (WGS84). Default: Central Mediterranean off Libya, from Tunisia
    to Tobruk and the crossings to Crete (every departure area of the summaries lies inside)."""

    west: float = 10.0
    east: float = 25.0
    south: float = 30.5
    north: float = 38.0

    def check(self, prefix: str) -> None:
        for name in ("west", "east"):
            if not -180.0 <= getattr(self, name) <= 360.0:
                raise ConfigError(f"{prefix}.{name} = {getattr(self, name)} is not a longitude")
        for name in ("south", "north"):
            if not -90.0 <= getattr(self, name) <= 90.0:
                raise ConfigError(f"{prefix}.{name} = {getattr(self, name)} is not a latitude")
        if self.west >= self.east:
            raise ConfigError(f"{prefix}: west ({self.west}) must be less than east ({self.east})")
        if self.south >= self.north:
            raise ConfigError(
                f"{prefix}: south ({self.south}) must be less than north ({self.north})"
            )

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees."""
        return (self.west, self.south, self.east, self.north)


@dataclass(frozen=True)
class GridSettings:
    """Target grid of the risk layers; resolution in degrees (0.05 default, 1/24 allowed)."""

    resolution: float = 0.05

    def check(self, prefix: str) -> None:
        if not 0.0 < self.resolution <= 5.0:
            raise ConfigError(
                f"{prefix}.resolution = {self.resolution} must be > 0 and <= 5 degrees"
            )


@dataclass(frozen=True)
class OpenMeteoSettings:
    """Open-Meteo Marine and Forecast APIs (no credentials)."""

    marine_url: str = "https://marine-api.open-meteo.com/v1/marine"
    forecast_url: str = "https://api.open-meteo.com/v1/forecast"
    spacing: float = 0.25
    forecast_days: int = 7
    wind_model: str = "ecmwf_ifs025"
    timeout: float = 60.0

    def check(self, prefix: str) -> None:
        if self.spacing <= 0:
            raise ConfigError(f"{prefix}.spacing = {self.spacing} must be > 0 degrees")
        if not 1 <= self.forecast_days <= 16:
            raise ConfigError(f"{prefix}.forecast_days = {self.forecast_days} must be 1..16")


@dataclass(frozen=True)
class OpenMeteoHindcastSettings:
    """Open-Meteo Historical Weather (ERA5 wind, gusts) and Marine (``era5_ocean`` waves) APIs
    for ``seawatch fetch hindcast`` (no credentials)."""

    archive_url: str = "https://archive-api.open-meteo.com/v1/archive"
    marine_url: str = "https://marine-api.open-meteo.com/v1/marine"
    wind_model: str = "era5"
    wave_model: str = "era5_ocean"
    spacing: float = 0.5
    timeout: float = 120.0

    def check(self, prefix: str) -> None:
        if self.spacing <= 0:
            raise ConfigError(f"{prefix}.spacing = {self.spacing} must be > 0 degrees")


@dataclass(frozen=True)
class EcmwfSettings:
    """ECMWF open data (no credentials; needs the ``grib`` extra)."""

    url: str = "https://data.ecmwf.int/forecasts"
    horizon_hours: int = 144
    timeout: float = 120.0

    def check(self, prefix: str) -> None:
        if not 0 < self.horizon_hours <= 360:
            raise ConfigError(f"{prefix}.horizon_hours = {self.horizon_hours} must be 1..360")


@dataclass(frozen=True)
class CopernicusSettings:
    """Copernicus Marine MEDSEA (free account; needs the ``cmems`` extra)."""

    wave_dataset: str = "cmems_mod_med_wav_anfc_4.2km_PT1H-i"
    current_dataset: str = "cmems_mod_med_phy-cur_anfc_4.2km-2D_PT1H-m"
    sst_dataset: str = "cmems_mod_med_phy-tem_anfc_4.2km-2D_PT1H-m"
    username_env: str = "COPERNICUSMARINE_SERVICE_USERNAME"
    password_env: str = "COPERNICUSMARINE_SERVICE_PASSWORD"
    horizon_hours: int = 168


@dataclass(frozen=True)
class IomMmpSettings:
    """IOM Missing Migrants Project CSV export."""

    url: str = (
        "https://missingmigrants.iom.int/sites/g/files/tmzbdl601/files/"
        "report-migrant-incident/Missing_Migrants_Global_Figures_allData.csv"
    )
    timeout: float = 120.0


@dataclass(frozen=True)
class SourcesSettings:
    """Per-source settings: ``[sources.<name>]``."""

    open_meteo: OpenMeteoSettings = field(default_factory=OpenMeteoSettings)
    open_meteo_hindcast: OpenMeteoHindcastSettings = field(
        default_factory=OpenMeteoHindcastSettings
    )
    ecmwf: EcmwfSettings = field(default_factory=EcmwfSettings)
    copernicus: CopernicusSettings = field(default_factory=CopernicusSettings)
    iom_mmp: IomMmpSettings = field(default_factory=IomMmpSettings)


WEATHER_SOURCES = ("copernicus", "open_meteo", "ecmwf")


@dataclass(frozen=True)
class WeatherSettings:
    """Source chain: each variable comes from the first source in the chain that has it."""

    chain: tuple[str, ...] = ("open_meteo", "ecmwf")

    def check(self, prefix: str) -> None:
        if not self.chain:
            raise ConfigError(f"{prefix}.chain is empty: name at least one of {WEATHER_SOURCES}")
        for name in self.chain:
            if name not in WEATHER_SOURCES:
                raise ConfigError(
                    f"{prefix}.chain: unknown source {name!r}; known: {', '.join(WEATHER_SOURCES)}"
                )


@dataclass(frozen=True)
class StoreSettings:
    """Incident store: SQLAlchemy URL; empty means SQLite in the data directory."""

    url: str = ""

    def check(self, prefix: str) -> None:
        if not self.url:
            return
        import sqlalchemy as sa

        try:
            sa.engine.make_url(self.url)
        except (sa.exc.ArgumentError, ValueError):
            raise ConfigError(
                f"{prefix}.url = {mask_url_password(self.url)!r} is not a database URL; write "
                "sqlite:////absolute/path/incidents.sqlite or postgresql://user@host/database "
                "(or leave it empty for incidents.sqlite in the data directory)"
            ) from None


@dataclass(frozen=True)
class ComputeSettings:
    """Optional dask: ``chunks`` like ``{time = 24}``; ``scheduler`` a dask.distributed address."""

    chunks: dict[str, int] = field(default_factory=dict)
    scheduler: str = ""


@dataclass(frozen=True)
class RiskSettings:
    """Capsize-hazard calibration: ``overrides`` replaces entries of the threshold table."""

    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExposureSettings:
    """Kernel density of incident positions (see seawatch.layers.exposure)."""

    bandwidth_km: float = 25.0
    window_days: int = 1095
    half_life_days: float = 365.0
    min_source_quality: int = 1

    def check(self, prefix: str) -> None:
        if self.bandwidth_km <= 0:
            raise ConfigError(f"{prefix}.bandwidth_km must be > 0")
        if self.window_days <= 0 or self.half_life_days <= 0:
            raise ConfigError(f"{prefix}.window_days and half_life_days must be > 0")


@dataclass(frozen=True)
class SummarySettings:
    """Departure-area summaries (departure windows: ``[departure]``)."""

    radius_nm: float = 30.0


@dataclass(frozen=True)
class DepartureSettings:
    """Departure windows, hazard en route and traps (seawatch.layers.departure).

    Levels are 0 low, 1 moderate, 2 high, 3 severe, 4 extreme, per vessel class. Defaults:
    window at or below Moderate (MSF 2016: no rubber boats in 1-1.5 m waves; assumption, to
    calibrate for the other classes); trap at High for rubber dinghies, Severe for the others
    (assumption, to calibrate); speeds in knots (assumption, to calibrate); shortest window 6 h
    (assumption, to calibrate).
    """

    window_level: dict[str, int] = field(
        default_factory=lambda: {"rubber_dinghy": 1, "wooden_boat": 1, "small_boat": 1}
    )
    trap_level: dict[str, int] = field(
        default_factory=lambda: {"rubber_dinghy": 2, "wooden_boat": 3, "small_boat": 3}
    )
    speed_kn: dict[str, float] = field(
        default_factory=lambda: {"rubber_dinghy": 5.0, "wooden_boat": 6.0, "small_boat": 8.0}
    )
    window_min_hours: int = 6

    def check(self, prefix: str) -> None:
        for name in ("window_level", "trap_level"):
            for vessel, level in getattr(self, name).items():
                if not 0 <= level <= 4:
                    raise ConfigError(
                        f"{prefix}.{name}.{vessel} = {level} must be a level 0..4 "
                        "(0 low, 1 moderate, 2 high, 3 severe, 4 extreme)"
                    )
        for vessel, speed in self.speed_kn.items():
            if not 0.5 <= speed <= 40:
                raise ConfigError(f"{prefix}.speed_kn.{vessel} = {speed} must be 0.5..40 knots")
        if not 1 <= self.window_min_hours <= 72:
            raise ConfigError(
                f"{prefix}.window_min_hours = {self.window_min_hours} must be 1..72 hours"
            )


@dataclass(frozen=True)
class MapSettings:
    """Interactive map: time step in hours between frames (1 or 3 typical).

    ``online_tiles`` offers OpenStreetMap tiles as a base map. Off by default: the map then
    loads nothing from the network (the bundled coastline is the base map), and no tile server
    learns which stretch of sea the coast guard is looking at.
    """

    step_hours: int = 1
    online_tiles: bool = False

    def check(self, prefix: str) -> None:
        if self.step_hours not in (1, 2, 3, 6):
            raise ConfigError(f"{prefix}.step_hours = {self.step_hours} must be 1, 2, 3 or 6")


@dataclass(frozen=True)
class WebSettings:
    """Coordinator web service."""

    host: str = "127.0.0.1"
    port: int = 8000
    public_map: bool = False
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 1_000_000

    def check(self, prefix: str) -> None:
        if not 0 < self.port < 65536:
            raise ConfigError(f"{prefix}.port = {self.port} must be 1..65535")


@dataclass(frozen=True)
class AlertSettings:
    """CAP 1.2 alerts (docs/alerts.md). ``sender`` must be globally unique (e.g. an address
    at the operator's domain); a WMO OID only if an alerting authority configures its own.
    ``web`` is the public base URL of ``seawatch serve`` (links in messages and the feed);
    empty means ``http://[web] host:port``. The web routes are public when ``scope`` is
    ``Public`` and need a signed-in user when it is ``Restricted``."""

    sender: str = "cap@seawatch.invalid"
    identifier_prefix: str = "seawatch"
    scope: str = "Public"
    restriction: str = ""
    web: str = ""

    def check(self, prefix: str) -> None:
        for name in ("sender", "identifier_prefix"):
            value = getattr(self, name)
            if not value or re.search(r"[\s,<&]", value) or not value.isascii():
                raise ConfigError(
                    f"{prefix}.{name} = {value!r} must be non-empty ASCII without spaces, "
                    "commas, < or & (CAP 1.2 section 3.2.1)"
                )
        if self.scope not in ("Public", "Restricted"):
            raise ConfigError(f"{prefix}.scope = {self.scope!r} must be Public or Restricted")
        if self.scope == "Restricted" and not self.restriction.strip():
            raise ConfigError(f"{prefix}.restriction must say who may read Restricted alerts")
        if self.scope == "Public" and self.restriction:
            raise ConfigError(f'{prefix}.restriction is only for scope = "Restricted"')
        if self.web and not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", self.web):
            raise ConfigError(f"{prefix}.web = {self.web!r} must be an http(s):// URL")


@dataclass(frozen=True)
class ScheduleSettings:
    """Daemon timetable. Times are HH:MM; ``weather_times`` in UTC, ``email_time`` in ``timezone``."""

    weather_times: tuple[str, ...] = ("01:30", "07:30", "13:30", "19:30")
    incidents_every_minutes: int = 60
    email_time: str = "06:00"
    timezone: str = "Africa/Tripoli"
    stale_after_hours: float = 18.0
    misfire_grace_seconds: int = 3600

    def check(self, prefix: str) -> None:
        for value in (*self.weather_times, self.email_time):
            if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
                raise ConfigError(f"{prefix}: time {value!r} is not HH:MM (24 h)")
        if self.stale_after_hours <= 0:
            raise ConfigError(f"{prefix}.stale_after_hours must be > 0")
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"{prefix}.timezone = {self.timezone!r} is not a time zone name; use an IANA "
                'name such as "Africa/Tripoli" or "UTC"'
            ) from None


def check_address(address: str) -> str:
    """Return ``address`` if it is one plain ASCII ``local@domain`` and safe in a header.

    Raises
    ------
    ConfigError
        For line breaks or other control characters (header injection), display names, lists,
        comments, non-ASCII text, or anything Python's e-mail parser would not accept as is.
    """
    if not isinstance(address, str) or not address:
        raise ConfigError("empty e-mail address")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in address):
        raise ConfigError(f"e-mail address {address!r} contains a line break or control character")
    if not address.isascii():
        raise ConfigError(f"e-mail address {address!r} is not plain ASCII")
    name, spec = parseaddr(address)
    if name or spec != address or address.count("@") != 1:
        raise ConfigError(f"e-mail address {address!r} is not a single local@domain address")
    try:
        parsed = Address(addr_spec=address)
    except (HeaderParseError, ValueError, IndexError) as exc:
        raise ConfigError(f"e-mail address {address!r} is not valid: {exc}") from None
    if parsed.addr_spec != address or not parsed.username or "." not in parsed.domain:
        raise ConfigError(f"e-mail address {address!r} is not a single local@domain address")
    return address


@dataclass(frozen=True)
class Recipient:
    """One e-mail recipient and the language of its message."""

    address: str = ""
    lang: str = "en"

    def check(self, prefix: str) -> None:
        try:
            check_address(self.address)
        except ConfigError as exc:
            raise ConfigError(f"{prefix}.address: {exc}") from None
        if self.lang not in LANGS:
            raise ConfigError(f"{prefix}.lang = {self.lang!r} must be one of {LANGS}")


@dataclass(frozen=True)
class MailSettings:
    """SMTP submission; the password comes from ``SEAWATCH_SMTP_PASSWORD``."""

    host: str = ""
    port: int = 587
    security: str = "starttls"
    user: str = ""
    sender: str = ""
    recipients: tuple[Recipient, ...] = ()
    attach_netcdf: bool = False
    max_bytes: int = 2_000_000

    def check(self, prefix: str) -> None:
        if self.sender:
            try:
                check_address(self.sender)
            except ConfigError as exc:
                raise ConfigError(f"{prefix}.sender: {exc}") from None
        if self.security not in ("starttls", "ssl", "none"):
            raise ConfigError(
                f"{prefix}.security = {self.security!r} must be starttls, ssl or none"
            )
        if not 0 < self.port < 65536:
            raise ConfigError(f"{prefix}.port = {self.port} must be 1..65535")


LANGS = ("en", "ar")


@dataclass(frozen=True)
class Settings:
    """The effective configuration. ``data_dir`` is resolved, never empty."""

    area: AreaSettings = field(default_factory=AreaSettings)
    grid: GridSettings = field(default_factory=GridSettings)
    lang: str = "en"
    sources: SourcesSettings = field(default_factory=SourcesSettings)
    weather: WeatherSettings = field(default_factory=WeatherSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    compute: ComputeSettings = field(default_factory=ComputeSettings)
    risk: RiskSettings = field(default_factory=RiskSettings)
    exposure: ExposureSettings = field(default_factory=ExposureSettings)
    summary: SummarySettings = field(default_factory=SummarySettings)
    departure: DepartureSettings = field(default_factory=DepartureSettings)
    maps: MapSettings = field(default_factory=MapSettings)
    web: WebSettings = field(default_factory=WebSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    data_dir: Path = field(default_factory=lambda: default_data_dir())
    config_file: Path | None = None

    def check(self, prefix: str) -> None:
        if self.lang not in LANGS:
            raise ConfigError(f"lang = {self.lang!r} must be one of {', '.join(LANGS)}")
        # the risk grid needs two cell centres each way: one row or column has no cell size to
        # interpolate, draw or measure routes with
        res = self.grid.resolution
        for span, what, lo, hi in (
            (self.area.east - self.area.west, "wide", "west", "east"),
            (self.area.north - self.area.south, "tall", "south", "north"),
        ):
            if span < res * (1 - 1e-6):
                raise ConfigError(
                    f"area is {span:g}° {what} ({lo} {getattr(self.area, lo):g} to {hi} "
                    f"{getattr(self.area, hi):g}), less than one grid cell (grid.resolution = "
                    f"{res:g}°): widen the area to at least {res:g}° or set a finer "
                    "grid.resolution"
                )

    @property
    def store_url(self) -> str:
        """SQLAlchemy URL of the incident store (SQLite in the data dir unless configured)."""
        return self.store.url or f"sqlite:///{self.data_dir / 'incidents.sqlite'}"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


# Keys that exist only outside the file (or are derived); they cannot be set in TOML.
_NOT_IN_FILE = {"data_dir", "config_file"}
_RENAMED = {"summary.calm_hours": "departure.window_min_hours"}
"""Keys of older config files, with the key that replaced them."""


def default_data_dir() -> Path:
    """``$SEAWATCH_DATA_DIR``, else the platform's user data directory for seawatch."""
    env = os.environ.get("SEAWATCH_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("seawatch", appauthor=False))


def find_config_file(explicit: str | Path | None, environ: Mapping[str, str]) -> Path | None:
    """The config file to read: explicit path, ``$SEAWATCH_CONFIG``, ``./seawatch.toml``, or None."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        return path
    if environ.get("SEAWATCH_CONFIG"):
        path = Path(environ["SEAWATCH_CONFIG"]).expanduser()
        if not path.is_file():
            raise ConfigError(f"SEAWATCH_CONFIG points to {path}, which does not exist")
        return path
    local = Path("seawatch.toml")
    return local if local.is_file() else None


def load_settings(
    config_file: str | Path | None = None,
    data_dir: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read, merge and validate the configuration.

    Parameters
    ----------
    config_file
        Explicit TOML file (``--config``); otherwise the search order in the module docstring.
    data_dir
        Explicit data directory (``--data-dir``); beats ``SEAWATCH_DATA_DIR`` and the default.
    environ
        Environment to read overrides from (default ``os.environ``).

    Raises
    ------
    ConfigError
        With one line naming the key and what is wrong.
    """
    environ = os.environ if environ is None else environ
    path = find_config_file(config_file, environ)
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        except UnicodeDecodeError:
            raise ConfigError(
                f"{path} is not UTF-8 text (is it the config file?); save it as UTF-8 TOML"
            ) from None
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    applied = _apply_env_overrides(raw, environ)
    for key in _NOT_IN_FILE:
        if key in raw:
            raise ConfigError(
                f"{key} cannot be set in the config file; use --data-dir or SEAWATCH_DATA_DIR"
            )
    try:
        settings = _build(Settings, raw, prefix="")
    except ConfigError as exc:
        places = ([f"{path}"] if path is not None else []) + applied
        if not places:
            raise
        raise ConfigError(f"{exc} (fix it in {' or '.join(places)})") from None
    if data_dir is not None:
        resolved = Path(data_dir).expanduser()
    elif environ.get("SEAWATCH_DATA_DIR"):
        resolved = Path(environ["SEAWATCH_DATA_DIR"]).expanduser()
    else:
        resolved = default_data_dir()
    return dataclasses.replace(settings, data_dir=resolved, config_file=path)


def _apply_env_overrides(raw: dict[str, Any], environ: Mapping[str, str]) -> list[str]:
    """Fold ``SEAWATCH_SECTION_KEY`` variables into the raw TOML mapping; return their names."""
    applied: list[str] = []
    paths = sorted(_leaf_paths(Settings), key=lambda p: -len("_".join(p)))
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        if rest in ("config", "data_dir", "smtp_password", "test_postgres_url"):
            continue
        for keypath in paths:
            if "_".join(keypath) == rest:
                target = raw
                for part in keypath[:-1]:
                    target = target.setdefault(part, {})
                    if not isinstance(target, dict):
                        raise ConfigError(f"{name}: {'.'.join(keypath[:-1])} is not a table")
                target[keypath[-1]] = _parse_env_value(value)
                applied.append(name)
                break
        else:
            # Other SEAWATCH_ variables exist (SEAWATCH_USER, SEAWATCH_CHROMIUM, test ones); only
            # a near miss of a setting is worth a word: SEAWATCH_STORE_ULR silently left the
            # store on the default SQLite file, and the coordinators' incidents "missing".
            known = ["_".join(keypath) for keypath in paths]
            close = difflib.get_close_matches(rest, known, n=1, cutoff=0.8)
            if close:
                log.warning(
                    "%s is not a setting and is ignored; did you mean %s%s?",
                    name,
                    ENV_PREFIX,
                    close[0].upper(),
                )
    return applied


def _parse_env_value(value: str) -> Any:
    try:
        return tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return value


def _leaf_paths(cls: type, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name in _NOT_IN_FILE:
            continue
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            out.extend(_leaf_paths(hint, (*prefix, f.name)))
        else:
            out.append((*prefix, f.name))
    return out


def _build(cls: type, raw: Any, prefix: str) -> Any:
    """Build dataclass ``cls`` from ``raw``, checking names and types."""
    where = prefix or "config"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in raw:
        renamed = _RENAMED.get(_join(prefix, key))
        if renamed:
            raise ConfigError(
                f"{_join(prefix, key)} is now {renamed}: rename it in the config file"
            )
        if key not in known or key in _NOT_IN_FILE:
            allowed = sorted(known - _NOT_IN_FILE)
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean {_join(prefix, close[0])}? " if close else ""
            raise ConfigError(
                f"unknown key {_join(prefix, key)} ({hint}known here: {', '.join(allowed)})"
            )
    values = {key: _convert(hints[key], raw[key], _join(prefix, key)) for key in raw}
    obj = cls(**values)
    check = getattr(obj, "check", None)
    if check is not None:
        check(prefix or "config")
    return obj


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _convert(hint: Any, value: Any, key: str) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, key)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key} must be a number, got {value!r}")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be a whole number, got {value!r}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key} must be a string, got {value!r}")
        return value
    if origin is tuple:
        (item,) = [a for a in typing.get_args(hint) if a is not Ellipsis]
        if isinstance(value, str) and item is str:
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise ConfigError(f"{key} must be a list, got {value!r}")
        return tuple(_convert(item, v, f"{key}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key} must be a table, got {value!r}")
        _, vtype = typing.get_args(hint)
        if vtype is Any:
            return dict(value)
        return {k: _convert(vtype, v, f"{key}.{k}") for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        return value
    if hint is Path:
        return Path(value)
    raise ConfigError(f"{key}: unsupported setting type {hint!r}")  # pragma: no cover


def settings_as_dict(settings: Settings, mask_secrets: bool = True) -> dict[str, Any]:
    """The effective settings as plain data (for ``seawatch config show``), secrets masked."""

    def plain(obj: Any, key: str = "") -> Any:
        if dataclasses.is_dataclass(obj):
            return {f.name: plain(getattr(obj, f.name), f.name) for f in dataclasses.fields(obj)}
        if isinstance(obj, tuple | list):
            return [plain(v) for v in obj]
        if isinstance(obj, dict):
            return {k: plain(v, k) for k, v in obj.items()}
        if isinstance(obj, Path):
            return str(obj)
        if mask_secrets and isinstance(obj, str):
            if key and SECRET_KEY_PATTERN.search(key) and not key.endswith("_env") and obj:
                return "***"
            return mask_url_password(obj)
        return obj

    data = plain(settings)
    data["store"]["effective_url"] = (
        mask_url_password(settings.store_url) if mask_secrets else settings.store_url
    )
    return data


def mask_url_password(text: str) -> str:
    """Hide the password in ``scheme://user:password@host`` URLs."""
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)
