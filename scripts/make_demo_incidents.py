"""Make ``seawatch/data/demo_incidents.csv``: real IOM incidents for the offline demo.

Takes the Central Mediterranean rows of the IOM Missing Migrants Project allData export that
lie in the area of interest (lon 10-20 E, lat 30.5-38 N, edges included), keeps the columns
seawatch reads, in the allData layout, so the demo goes through the real MMP reader. Writes the
credit line to ``seawatch/data/demo_incidents.SOURCE.txt``.

Usage::

    python scripts/make_demo_incidents.py [SOURCE_CSV]

SOURCE_CSV defaults to ``../shared/data/mmp/Missing_Migrants_Global_Figures_allData_2025-06.csv``
(relative to the repository). Data: IOM Missing Migrants Project, CC BY 4.0.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared/data/mmp/Missing_Migrants_Global_Figures_allData_2025-06.csv"
OUT = ROOT / "seawatch/data/demo_incidents.csv"
SOURCE_NOTE = ROOT / "seawatch/data/demo_incidents.SOURCE.txt"
AREA = (10.0, 30.5, 20.0, 38.0)  # west, south, east, north
KEEP = [
    "Main ID",
    "Incident Type",
    "Region of Incident",
    "Incident Date",
    "Incident Year",
    "Month",
    "Number of Dead",
    "Minimum Estimated Number of Missing",
    "Total Number of Dead and Missing",
    "Number of Survivors",
    "Cause of Death",
    "Country of Incident",
    "Migration Route",
    "Location of Incident",
    "Coordinates",
    "Information Source",
    "URL",
    "Source Quality",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)
    raw = args.source.read_bytes()
    frame = pd.read_csv(args.source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame["Main ID"] = frame["Main ID"].str.replace("\ufeff", "", regex=False)
    central = frame[frame["Migration Route"].str.contains("Central Mediterranean", regex=False)]
    coords = central["Coordinates"].str.split(",", n=1, expand=True)
    lat = pd.to_numeric(coords[0], errors="coerce")
    lon = pd.to_numeric(coords[1], errors="coerce")
    west, south, east, north = AREA
    inside = lon.between(west, east) & lat.between(south, north)
    demo = central.loc[inside, KEEP]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    demo.to_csv(OUT, index=False, lineterminator="\n")
    SOURCE_NOTE.write_text(
        "IOM Missing Migrants Project (https://missingmigrants.iom.int), CC BY 4.0.\n"
        f"Rows: {len(demo)} incidents of the Central Mediterranean route inside lon {west:g}-"
        f"{east:g} E, lat {south:g}-{north:g} N, {demo['Incident Date'].min()} to "
        f"{demo['Incident Date'].max()}.\n"
        f"Taken from {args.source.name} (sha256 {hashlib.sha256(raw).hexdigest()}) "
        "by scripts/make_demo_incidents.py; columns reduced, values unchanged.\n",
        encoding="utf-8",
    )
    print(f"{OUT}: {len(demo)} rows, {OUT.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
