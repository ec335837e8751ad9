"""Plausibility checks that flag a position without dropping it.

``on_land``
    The position is on land according to the bundled coastline (:mod:`seawatch.geo.coastline`).
    Only positions inside the bundled coastline's boxes are checked; others are never flagged.
``far_from_country``
    The position is more than :data:`FAR_FROM_COUNTRY_NM` from the bounding box of the country
    the source names (IOM's "Country of Incident"). Incidents off a coast legitimately lie up to
    about 200 nm from it (between Libya and Lampedusa), so the limit catches swapped signs,
    wrong hemispheres and coordinates of another country, not merely vague ones. Countries not in
    :data:`COUNTRY_BOXES` are not checked.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["COUNTRY_BOXES", "FAR_FROM_COUNTRY_NM", "far_from_country", "on_land"]

FAR_FROM_COUNTRY_NM = 200.0
"""Distance from the stated country's bounding box beyond which a position is flagged (nm)."""

_KM_PER_DEGREE = 111.195
_KM_PER_NM = 1.852

# (west, south, east, north) in degrees, rounded outwards to about 0.1°, islands included
# (Lampedusa and Pantelleria for Italy, Crete for Greece, the Canaries for Spain). Enough for
# the Mediterranean, its African shores and the Atlantic and Red Sea routes that reach them.
COUNTRY_BOXES: dict[str, tuple[float, float, float, float]] = {
    "Libya": (9.3, 19.5, 25.2, 33.2),
    "Tunisia": (7.5, 30.2, 11.6, 37.4),
    "Algeria": (-8.7, 18.9, 12.0, 37.1),
    "Morocco": (-13.2, 27.6, -1.0, 35.95),
    "Egypt": (24.7, 22.0, 36.9, 31.7),
    "Italy": (6.6, 35.4, 18.6, 47.1),
    "Malta": (14.1, 35.7, 14.6, 36.1),
    "Greece": (19.3, 34.8, 29.7, 41.8),
    "Spain": (-18.2, 27.6, 4.4, 43.8),
    "Portugal": (-31.3, 32.6, -6.1, 42.2),
    "France": (-5.2, 41.3, 9.6, 51.1),
    "Turkey": (25.6, 35.8, 44.8, 42.1),
    "Türkiye": (25.6, 35.8, 44.8, 42.1),
    "Cyprus": (32.2, 34.5, 34.6, 35.7),
    "Lebanon": (35.1, 33.0, 36.6, 34.7),
    "Syrian Arab Republic": (35.7, 32.3, 42.4, 37.3),
    "Israel": (34.2, 29.4, 35.9, 33.4),
    "Albania": (19.2, 39.6, 21.1, 42.7),
    "Montenegro": (18.4, 41.8, 20.4, 43.6),
    "Croatia": (13.4, 42.3, 19.5, 46.6),
    "Bosnia and Herzegovina": (15.7, 42.5, 19.7, 45.3),
    "Mauritania": (-17.1, 14.7, -4.8, 27.3),
    "Western Sahara": (-17.2, 20.7, -8.6, 27.7),
    "Senegal": (-17.6, 12.3, -11.3, 16.7),
    "Gambia": (-16.9, 13.0, -13.7, 13.9),
    "Niger": (0.1, 11.6, 16.0, 23.6),
    "Chad": (13.4, 7.4, 24.0, 23.5),
    "Sudan": (21.8, 8.6, 38.7, 22.3),
    "Mali": (-12.3, 10.1, 4.3, 25.1),
    "Eritrea": (36.4, 12.3, 43.2, 18.1),
    "Djibouti": (41.7, 10.9, 43.5, 12.8),
    "Yemen": (42.5, 12.1, 54.6, 19.1),
    "Somalia": (40.9, -1.8, 51.5, 12.1),
    "Saudi Arabia": (34.5, 16.3, 55.7, 32.2),
}


def on_land(lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True where a position is on land by the bundled coastline; False outside its coverage.

    Parameters
    ----------
    lat, lon
        Degrees (WGS84), same shape. NaN gives False.
    """
    from seawatch.geo import coastline

    lat_a = np.asarray(lat, dtype=float)
    lon_a = np.asarray(lon, dtype=float)
    result = np.zeros(lat_a.shape, dtype=bool)
    covered = np.zeros(lat_a.shape, dtype=bool)
    for west, south, east, north in coastline.coverage().values():
        covered |= (lon_a >= west) & (lon_a <= east) & (lat_a >= south) & (lat_a <= north)
    if covered.any():
        result[covered] = coastline.on_land(lat_a[covered], lon_a[covered])
    return result


def far_from_country(
    lat: npt.ArrayLike, lon: npt.ArrayLike, country: npt.ArrayLike
) -> npt.NDArray[np.bool_]:
    """True where a position lies more than :data:`FAR_FROM_COUNTRY_NM` from its stated country.

    Parameters
    ----------
    lat, lon
        Degrees (WGS84).
    country
        Country names as IOM writes them (``Libya``, ``Italy``); several names joined by commas
        count as near when the position is near any of them. Unknown names give False.
    """
    lat_a = np.asarray(lat, dtype=float)
    lon_a = np.asarray(lon, dtype=float)
    names = np.asarray(country, dtype=object)
    limit_km = FAR_FROM_COUNTRY_NM * _KM_PER_NM
    result = np.zeros(lat_a.shape, dtype=bool)
    for value in {v for v in names.ravel() if isinstance(v, str) and v}:
        boxes = [COUNTRY_BOXES[n.strip()] for n in value.split(",") if n.strip() in COUNTRY_BOXES]
        if not boxes:
            continue
        rows = names == value
        nearest = np.full(int(rows.sum()), np.inf)
        for box in boxes:
            nearest = np.minimum(nearest, _distance_to_box_km(lat_a[rows], lon_a[rows], box))
        result[rows] = nearest > limit_km
    return result


def _distance_to_box_km(
    lat: np.ndarray, lon: np.ndarray, box: tuple[float, float, float, float]
) -> np.ndarray:
    """Approximate distance (km) from points to a lon/lat box (0 inside); equirectangular."""
    west, south, east, north = box
    dlat = np.maximum.reduce([south - lat, np.zeros_like(lat), lat - north])
    dlon = np.maximum.reduce([west - lon, np.zeros_like(lon), lon - east])
    mid_lat = np.radians(np.clip(lat, south, north))
    return _KM_PER_DEGREE * np.hypot(dlat, dlon * np.cos(mid_lat))
