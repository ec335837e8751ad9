"""Make ``seawatch/data/routes.geojson``: the usual crossings from each departure area.

Each route is a schematic line at sea from just off a departure point (``ports.geojson``) to
just off the coast of its usual landing place, bent around headlands and islands where the
straight line would cross land. These are not tracks of real boats: they say which stretch of
sea a boat from that area crosses, in order, so the hazard it meets can be read along the way.
Which destinations are usual for which area follows Frontex's description of the Central and
Eastern Mediterranean routes and the positions of IOM Missing Migrants Project incidents; the
geometry itself is an assumption, to calibrate (e.g. against Alarm Phone or SAR NGO positions).

The script checks every vertex against the bundled coastline (GSHHG) and refuses to write a
route with a vertex on land or a segment crossing more than 200 m of land.

Usage::

    python scripts/make_routes.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seawatch.geo.coastline import coastline_geometry, on_land  # noqa: E402

OUT = ROOT / "seawatch/data/routes.geojson"
MAX_LAND_CROSSING_M = 200.0

SOURCE_WEST = (
    "Usual crossing of the Central Mediterranean route (Frontex, Migratory routes: Central "
    "Mediterranean, frontex.europa.eu; IOM Missing Migrants Project incident positions); "
    "line drawn at sea by seawatch (scripts/make_routes.py), an assumption, to calibrate"
)
SOURCE_CRETE = (
    "Eastern Libya to Crete and Gavdos crossings (UNHCR Greece sea arrivals to Crete 2023-2024; "
    "Frontex, Migratory routes: Eastern/Central Mediterranean, frontex.europa.eu); line drawn "
    "at sea by seawatch (scripts/make_routes.py), an assumption, to calibrate"
)

DESTINATIONS = {
    # id: (English, Arabic, landing point at sea just off the coast)
    "lampedusa": ("Lampedusa", "لامبيدوزا", (12.60, 35.46)),
    "malta": ("Malta", "مالطا", (14.60, 35.79)),
    "sicily": ("Sicily (Pozzallo)", "صقلية (بوتسالو)", (14.85, 36.66)),
    "crete": ("Crete (south coast)", "كريت (الساحل الجنوبي)", (24.75, 34.86)),
}

AREAS = {
    # area id: (English, Arabic, start point at sea just off the departure point)
    "abu-kammash": ("Abu Kammash", "أبو كماش", (11.86, 33.15)),
    "zuwara": ("Zuwara", "زوارة", (12.08, 32.97)),
    "sabratha": ("Sabratha", "صبراتة", (12.48, 32.83)),
    "zawiya": ("Zawiya", "الزاوية", (12.73, 32.80)),
    "tripoli": ("Tripoli", "طرابلس", (13.18, 32.95)),
    "tajoura": ("Tajoura", "تاجوراء", (13.35, 32.93)),
    "garabulli": ("Garabulli", "القره بوللي", (13.72, 32.81)),
    "al-khums": ("Al Khums", "الخمس", (14.27, 32.70)),
    "zliten": ("Zliten", "زليتن", (14.57, 32.53)),
    "misrata": ("Misrata", "مصراتة", (15.25, 32.45)),
    "benghazi": ("Benghazi", "بنغازي", (19.98, 32.15)),
    "derna": ("Derna", "درنة", (22.65, 32.82)),
    "tobruk": ("Tobruk", "طبرق", (24.05, 32.07)),
    "sfax-kerkennah": ("Sfax / Kerkennah", "صفاقس / قرقنة", (11.35, 34.70)),
    "zarzis": ("Zarzis", "جرجيس", (11.20, 33.52)),
    "mahdia": ("Mahdia", "المهدية", (11.12, 35.50)),
}

# (area, destination, intermediate waypoints)
ROUTES: list[tuple[str, str, list[tuple[float, float]]]] = [
    ("sfax-kerkennah", "lampedusa", []),
    ("mahdia", "lampedusa", []),
    ("zarzis", "lampedusa", []),
    ("abu-kammash", "lampedusa", []),
    ("zuwara", "lampedusa", []),
    ("sabratha", "lampedusa", []),
    ("zawiya", "lampedusa", []),
    ("tripoli", "lampedusa", []),
    ("tajoura", "lampedusa", []),
    ("garabulli", "lampedusa", []),
    ("al-khums", "lampedusa", []),
    ("zuwara", "malta", []),
    ("sabratha", "malta", []),
    ("zawiya", "malta", []),
    ("tripoli", "malta", []),
    ("tajoura", "malta", []),
    ("garabulli", "malta", []),
    ("al-khums", "malta", []),
    ("zliten", "malta", []),
    ("misrata", "malta", []),
    ("al-khums", "sicily", []),
    ("zliten", "sicily", []),
    ("misrata", "sicily", []),
    ("benghazi", "sicily", []),
    ("benghazi", "crete", [(20.10, 32.60), (20.60, 33.20)]),
    ("derna", "crete", []),
    ("tobruk", "crete", [(24.20, 32.30)]),
]


def _check(route_id: str, line: LineString) -> None:
    coords = np.asarray(line.coords)
    land = on_land(coords[:, 1], coords[:, 0])
    if land.any():
        raise SystemExit(f"{route_id}: vertex on land at {coords[land].tolist()}")
    west, south, east, north = line.bounds
    crossing = line.intersection(
        coastline_geometry((west - 0.1, south - 0.1, east + 0.1, north + 0.1))
    )
    # Length in metres, roughly: degrees of latitude and of longitude at this latitude.
    metres = crossing.length * 111_320.0 if not crossing.is_empty else 0.0
    if metres > MAX_LAND_CROSSING_M:
        raise SystemExit(f"{route_id}: crosses about {metres:.0f} m of land ({crossing.wkt[:120]})")


def main() -> None:
    features = []
    for area, destination, via in ROUTES:
        area_en, area_ar, start = AREAS[area]
        dest_en, dest_ar, end = DESTINATIONS[destination]
        route_id = f"{area}-{destination}"
        line = LineString([start, *via, end])
        _check(route_id, line)
        features.append(
            {
                "type": "Feature",
                "id": route_id,
                "properties": {
                    "id": route_id,
                    "area": area,
                    "destination": destination,
                    "name": f"{area_en} → {dest_en}",
                    "name_ar": f"{area_ar} ← {dest_ar}",
                    "source": SOURCE_CRETE if destination == "crete" else SOURCE_WEST,
                },
                "geometry": shapely.geometry.mapping(line),
            }
        )
    collection = {
        "type": "FeatureCollection",
        "name": "routes",
        "attribution": "Usual crossings: Frontex and IOM Missing Migrants Project; lines by seawatch.",
        "sources": [
            SOURCE_WEST,
            SOURCE_CRETE,
            "Lines are schematic (start and end a few km off the coast); no vertex is on land "
            "(checked against the bundled GSHHG coastline by scripts/make_routes.py and the tests).",
        ],
        "features": features,
    }
    # One feature a line, like ports.geojson: diffs stay readable.
    head = json.dumps(
        {k: v for k, v in collection.items() if k != "features"}, ensure_ascii=False, indent=1
    )
    lines = [json.dumps(f, ensure_ascii=False) for f in features]
    body = ",\n  ".join(lines)
    text = head[:-2] + ',\n "features": [\n  ' + body + "\n ]\n}\n"
    json.loads(text)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(features)} routes to {OUT}")


if __name__ == "__main__":
    main()
