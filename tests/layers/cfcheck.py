"""Run the CF checkers offline: cfchecker (CF <= 1.8) and the IOOS compliance-checker (CF-1.10).

cfchecks downloads the standard-name, area-type and region tables by default; tests must not use
the network, so :func:`cf_check` writes an excerpt of the standard-name table with the names the
risk dataset uses and their canonical units (CF Standard Name Table, cfconventions.org), and empty
area-type and region tables (the risk dataset uses neither).

The IOOS compliance-checker (:func:`cf_compliance`) has a CF-1.10 suite and a bundled copy of the
standard-name table; it downloads another table only when a file's ``standard_name_vocabulary``
names another version, which seawatch files do not set. The check runs with sockets refused so
a download would fail the test rather than pass quietly.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

# standard_name -> canonical units, from the CF Standard Name Table.
CANONICAL_UNITS = {
    "time": "s",
    "latitude": "degree_north",
    "longitude": "degree_east",
    "land_binary_mask": "1",
    "sea_surface_wave_significant_height": "m",
    "sea_surface_wave_period_at_variance_spectral_density_maximum": "s",
    "sea_surface_wave_mean_period": "s",
    "wind_speed": "m s-1",
    "eastward_wind": "m s-1",
    "northward_wind": "m s-1",
    "wind_speed_of_gust": "m s-1",
    "eastward_sea_water_velocity": "m s-1",
    "northward_sea_water_velocity": "m s-1",
    "sea_surface_temperature": "K",
}


def _tables(directory: Path) -> tuple[Path, Path, Path]:
    entries = "\n".join(
        f'  <entry id="{name}"><canonical_units>{units}</canonical_units></entry>'
        for name, units in CANONICAL_UNITS.items()
    )
    names = directory / "cf-standard-name-table.xml"
    names.write_text(
        '<?xml version="1.0"?>\n<standard_name_table>\n'
        "  <version_number>84</version_number>\n  <last_modified>2024-01-19T15:55:10Z</last_modified>\n"
        f"{entries}\n</standard_name_table>\n"
    )
    areas = directory / "area-type-table.xml"
    areas.write_text(
        '<?xml version="1.0"?>\n<area_type_table><version_number>10</version_number>'
        "<date>2020-01-01</date></area_type_table>\n"
    )
    regions = directory / "standardized-region-list.xml"
    regions.write_text(
        '<?xml version="1.0"?>\n<standardized_region_list><version_number>5</version_number>'
        "<date>2020-01-01</date></standardized_region_list>\n"
    )
    return names, areas, regions


def cf_check(path: Path, workdir: Path) -> tuple[dict[str, int], str]:
    """Check ``path``; return the counts of FATAL/ERROR/WARN and the checker's report text.

    cfchecker 4.1.0, the newest release, knows CF up to 1.8 and reports any file labelled
    ``CF-1.10`` as "not CF" (2.6.1). The risk dataset uses nothing newer than CF-1.8, so the check
    runs on a copy whose ``Conventions`` says ``CF-1.8``.
    """
    import netCDF4
    from cfchecker.cfchecks import CFChecker, CFVersion

    names, areas, regions = _tables(workdir)
    copy = workdir / f"cf18_{path.name}"
    shutil.copyfile(path, copy)
    with netCDF4.Dataset(copy, "a") as nc:
        assert nc.getncattr("Conventions") == "CF-1.10"
        nc.setncattr("Conventions", "CF-1.8")
    checker = CFChecker(
        cfStandardNamesXML=str(names),
        cfAreaTypesXML=str(areas),
        cfRegionNamesXML=str(regions),
        version=CFVersion((1, 8)),
        silent=False,
    )
    report = io.StringIO()
    try:
        with contextlib.redirect_stdout(report):
            checker.checker(str(copy))
    finally:
        # The checker leaves its netCDF4 handle open; HDF5 then crashes at interpreter exit.
        with contextlib.suppress(Exception):
            checker.f.close()
    totals = checker.get_total_counts()
    return totals, report.getvalue()


CF_SUITE = "cf:1.10"


@contextlib.contextmanager
def _no_network() -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network use in an offline CF check")

    saved = socket.socket.connect, socket.getaddrinfo
    socket.socket.connect, socket.getaddrinfo = refuse, refuse  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.getaddrinfo = saved  # type: ignore[method-assign]


def cf_compliance(path: Path, workdir: Path) -> tuple[list[str], list[str]]:
    """IOOS compliance-checker's CF-1.10 suite on ``path``: (errors, warnings), one line each.

    Errors are the failed high-priority checks ("Errors" in the checker's report), warnings the
    failed medium-priority ones.
    """
    from compliance_checker.runner import CheckSuite, ComplianceChecker

    CheckSuite.load_all_available_checkers()
    report = workdir / f"{path.stem}-cf.json"
    with _no_network(), contextlib.redirect_stdout(io.StringIO()):
        ComplianceChecker.run_checker(
            str(path),
            [CF_SUITE],
            0,
            "normal",
            output_filename=str(report),
            output_format="json_new",
        )
    result = json.loads(report.read_text())[str(path)][CF_SUITE]
    assert result["scored_points"] > 0, result  # the suite ran

    def failed(priority: str) -> list[str]:
        return [
            f"{item['name']}: {msg}"
            for item in result[priority]
            if item["value"][0] < item["value"][1]
            for msg in item["msgs"] or ["(no message)"]
        ]

    return failed("high_priorities"), failed("medium_priorities")
