"""Which Leeway category stands for which boat, and the coefficients of every category.

OpenDrift's Leeway model drifts an object by the downwind and crosswind coefficients measured
for 85 categories (``OBJECTPROP.DAT``: the SAROPS list of Allen 2010, updated by Breivik 2011;
Allen & Plourde 1999). **None of them was measured on an overloaded rubber dinghy or on a wooden
or iron migrant boat**, so every seawatch boat class below is a *proxy*: the category whose
hull and loading come closest, with the reason. Any category can be asked for by number.

The table is read from the installed ``opendrift`` package at run time (never copied here) and
without importing opendrift, so it is cheap to read in the main process.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from seawatch.errors import DataError

INSTALL_HINT = "pip install 'seawatch[drift]'"


class DriftUnavailableError(DataError):
    """opendrift is not installed."""

    exit_code = 2


@dataclass(frozen=True)
class ObjectChoice:
    """A drifting object: its seawatch name, Leeway category and why that category."""

    name: str
    category: int
    vessel: str | None  # the risk dataset's vessel class, None for a person or a bare category
    proxy: bool
    reason: str
    alternatives: tuple[int, ...] = ()


# Sources: ../shared/docs/drift-leeway.md sections 1.4 and 1.5 (OBJECTPROP rows; the defaults of
# the Leeway web GUI that civil SAR NGOs in the Central Mediterranean use, digitalfabrik
# opendrift-leeway-webgui, leewaysimulation_documentation.html).
OBJECTS: dict[str, ObjectChoice] = {
    "rubber_dinghy": ObjectChoice(
        "rubber_dinghy",
        27,
        "rubber_dinghy",
        True,
        "life-raft, no ballast, no canopy, no drogue (LIFE-RAFT-NB-2), the category the "
        "Central Mediterranean NGO Leeway web GUI uses for rubber boats; no Leeway category was "
        "measured on an overloaded inflatable",
        (26,),
    ),
    "wooden_boat": ObjectChoice(
        "wooden_boat",
        50,
        "wooden_boat",
        True,
        "fishing vessel, general (FISHING-VESSEL-1), the web GUI's category for fishing "
        "vessels; the large wooden boats used for crossings are former fishing boats. No "
        "category was measured on an overloaded migrant boat",
        (47,),
    ),
    "small_boat": ObjectChoice(
        "small_boat",
        47,
        "small_boat",
        True,
        "v-hull skiff (SKIFF-4, aluminium, Norway), the web GUI's category for "
        "fibreglass, iron and wooden boats of 5-8 m",
    ),
    "person_in_water": ObjectChoice(
        "person_in_water",
        1,
        None,
        True,
        "person in water, unknown state (PIW-1, mean values), as OBJECTPROP advises when the "
        "state is not known",
        (2,),
    ),
}

# Incident store boat types -> object (the same classes as seawatch.validate.conditions).
BOAT_TYPE_OBJECT = {
    "rubber": "rubber_dinghy",
    "wooden": "wooden_boat",
    "fibreglass": "small_boat",
    "iron": "small_boat",
    "other": "small_boat",
}
DEFAULT_OBJECT = "rubber_dinghy"  # most departures from Libya (unknown boat type)


def opendrift_dir() -> Path:
    """Folder of the installed opendrift package, found without importing it.

    Raises
    ------
    DriftUnavailableError
        opendrift is not installed.
    """
    spec = importlib.util.find_spec("opendrift")
    if spec is None or not spec.submodule_search_locations:
        raise DriftUnavailableError(
            f"the drift needs OpenDrift, which is not installed: {INSTALL_HINT}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def leeway_table() -> dict[int, dict[str, float | str]]:
    """OBJECTPROP.DAT of the installed opendrift: category number -> coefficients.

    Keys of each row: ``OBJKEY``, ``Description``, ``DWSLOPE`` [% of U10], ``DWOFFSET`` [cm/s],
    ``DWSTD`` [cm/s], and the same for right (``CWR*``) and left (``CWL*``) crosswind. Numbers
    count the rows in file order from 1, as opendrift does.
    """
    lines = (opendrift_dir() / "models" / "OBJECTPROP.DAT").read_text().splitlines()
    names = ("DWSLOPE", "DWOFFSET", "DWSTD", "CWRSLOPE", "CWROFFSET", "CWRSTD")
    names += ("CWLSLOPE", "CWLOFFSET", "CWLSTD")
    table: dict[int, dict[str, float | str]] = {}
    for i in range(0, len(lines) - 2, 3):
        if not lines[i].strip():
            break
        row: dict[str, float | str] = {
            "OBJKEY": lines[i].split()[0],
            "Description": lines[i + 1].strip(),
        }
        row.update(zip(names, (float(v) for v in lines[i + 2].split()), strict=True))
        table[i // 3 + 1] = row
    return table


def resolve_object(value: str | int) -> ObjectChoice:
    """The object for a name of :data:`OBJECTS` or a Leeway category number (1..85).

    Raises
    ------
    DataError
        Unknown name, or a number outside the table.
    """
    text = str(value).strip()
    if text in OBJECTS:
        return OBJECTS[text]
    if text.lstrip("+").isdigit():
        number = int(text)
        table = leeway_table()
        if number not in table:
            raise DataError(f"Leeway category {number} does not exist; give 1 to {len(table)}")
        row = table[number]
        for choice in OBJECTS.values():  # a class's category or proxy: its capsize hazard
            if number == choice.category or number in choice.alternatives:
                return ObjectChoice(
                    str(row["OBJKEY"]), number, choice.vessel, False, str(row["Description"])
                )
        return ObjectChoice(str(row["OBJKEY"]), number, None, False, str(row["Description"]))
    raise DataError(
        f"unknown object {text!r}; give one of {', '.join(OBJECTS)} or a Leeway category number"
    )


def object_for_boat_type(boat_type: str | None) -> str:
    """The drift object of an incident's boat type (unknown -> rubber dinghy)."""
    return BOAT_TYPE_OBJECT.get(str(boat_type or "unknown"), DEFAULT_OBJECT)
