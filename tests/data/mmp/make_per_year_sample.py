"""Re-lay real rows of IOM's 2025-06 allData export out as IOM's per-year export.

Run from the repository root: ``python tests/data/mmp/make_per_year_sample.py``. Reads
``../shared/data/mmp/Missing_Migrants_Global_Figures_allData_2025-06.csv`` and writes
``tests/data/mmp/per_year_2025_sample.csv`` (see ``tests/data/SOURCES.md``).

The per-year layout has 22 columns: no "Incident Type", "Country of Incident" or "Total Number
of Dead and Missing"; "Region", "Year", "Reported Month", "Number Dead", "Migration route",
"Location of death"; dates like ``Sun, 01/26/2025 - 12:00`` (month/day/year). A split incident,
one row in allData with its parts' ids joined in "Incident ID", is one row per part there,
each with the shared Main ID and its own Incident ID.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
SOURCE = (
    ROOT.parent / "shared" / "data" / "mmp" / "Missing_Migrants_Global_Figures_allData_2025-06.csv"
)
TARGET = Path(__file__).with_name("per_year_2025_sample.csv")

# Real incidents of January-February 2025 on the Central Mediterranean route, all in the area
# of interest (10-20E, 30.5-38N) but 2025.MMP0016 (near Tobruk, 24.0E).
INCIDENTS = [
    "2025.MMP0002",
    "2025.MMP0015",
    "2025.MMP0016",
    "2025.MMP0035",  # split incident, 2 parts
    "2025.MMP0042",
    "2025.MMP0048",
    "2025.MMP0075",
]
# allData publishes only the totals of a split incident and joins its parts' origins; how they
# are divided among the parts here is made up (the totals and the origins are the real ones).
SPLIT = {
    "2025.MMP0035": [
        {
            "Number Dead": "2",
            "Minimum Estimated Number of Missing": "",
            "Number of Survivors": "17",
            "Country of Origin": "Nigeria",
            "Region of Origin": "Western Africa",
        },
        {
            "Number Dead": "",
            "Minimum Estimated Number of Missing": "2",
            "Number of Survivors": "",
            "Number of Males": "",
            "Number of Children": "",
            "Country of Origin": "Unknown",
            "Region of Origin": "Sub-Saharan Africa (P)",
        },
    ]
}
COLUMNS = {
    "Main ID": "Main ID",
    "Incident ID": "Incident ID",
    "Region": "Region of Incident",
    "Incident Date": "Incident Date",
    "Year": "Incident Year",
    "Reported Month": "Month",
    "Number Dead": "Number of Dead",
    "Minimum Estimated Number of Missing": "Minimum Estimated Number of Missing",
    "Number of Survivors": "Number of Survivors",
    "Number of Females": "Number of Females",
    "Number of Males": "Number of Males",
    "Number of Children": "Number of Children",
    "Country of Origin": "Country of Origin",
    "Region of Origin": "Region of Origin",
    "Cause of Death": "Cause of Death",
    "Migration route": "Migration Route",
    "Location of death": "Location of Incident",
    "Information Source": "Information Source",
    "Coordinates": "Coordinates",
    "UNSD Geographical Grouping": "UNSD Geographical Grouping",
    "URL": "URL",
    "Source Quality": "Source Quality",
}


def per_year_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day:%a}, {day:%m/%d/%Y} - 12:00"


def main() -> None:
    data = pd.read_csv(SOURCE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    data["Main ID"] = data["Main ID"].str.replace("\ufeff", "", regex=False)
    rows = []
    for main_id in INCIDENTS:
        source = data[data["Main ID"] == main_id].iloc[0]
        row = {name: source[column] for name, column in COLUMNS.items()}
        row["Incident Date"] = per_year_date(source["Incident Date"])
        parts = source["Incident ID"].split(",")
        if len(parts) == 1:
            rows.append(row)
            continue
        for part, values in zip(parts, SPLIT[main_id], strict=True):
            rows.append({**row, "Incident ID": part, **values})
    pd.DataFrame(rows, columns=list(COLUMNS)).to_csv(TARGET, index=False)


if __name__ == "__main__":
    main()
