"""Access to the embedded USDA SR28 database (``magnerve/data/sr28.sqlite``).

The database is built by ``scripts/build_food_db.py``. It is read once, on first
use, into plain arrays: the nutrient table becomes a dense ``(n_foods,
n_nutrients)`` float64 matrix in which an unknown value is ``NaN`` (SR28 lists
only the nutrients that were analysed or imputed for a food; an absent pair is
unknown, not zero).
"""

from __future__ import annotations

import sqlite3
import tomllib
import zlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

__all__ = [
    "FoodDatabase",
    "FoodNotFoundError",
    "Measure",
    "NutrientInfo",
    "load_database",
]

FloatArray = npt.NDArray[np.float64]


class FoodNotFoundError(KeyError):
    """No SR28 food has the given NDB number."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep the message readable
        return str(self.args[0]) if self.args else "food not found"


@dataclass(frozen=True, slots=True)
class Measure:
    """One SR28 household measure (a row of ``WEIGHT.txt``).

    Attributes
    ----------
    seq : int
        SR28 sequence number of the measure for this food.
    amount : float
        Number of units the weight refers to (e.g. ``0.5`` for "1/2 cup").
    description : str
        Measure description, e.g. ``"cup, chopped"`` or ``"medium (7\\" to 7-7/8\\" long)"``.
    grams : float
        Gram weight of ``amount`` units [g].
    """

    seq: int
    amount: float
    description: str
    grams: float

    @property
    def grams_per_unit(self) -> float:
        """Weight of one unit of this measure [g]."""
        return self.grams / self.amount

    def label(self) -> str:
        """Human readable label, e.g. ``"1 cup, chopped (30 g)"``."""
        amt = f"{self.amount:g}"
        return f"{amt} {self.description} ({self.grams:g} g)"


@dataclass(frozen=True, slots=True)
class NutrientInfo:
    """Definition of one SR28 nutrient.

    Attributes
    ----------
    nutr_no : str
        SR28 nutrient number, e.g. ``"304"`` for magnesium.
    key : str
        magnerve key, e.g. ``"magnesium_mg"`` (``"sr28_<nutr_no>"`` when no friendly key exists).
    units : str
        Unit of the value per 100 g (``"g"``, ``"mg"``, ``"ug"``, ``"kcal"``, ``"kJ"``, ``"IU"``).
    tagname : str
        INFOODS tagname ("" when SR28 gives none).
    description : str
        SR28 description.
    label : str
        Short display label.
    default : bool
        Reported by default in intake tables.
    cronometer : str
        Column of a Cronometer servings export holding this nutrient ("" if none).
    cronometer_factor : float
        Factor from that column's unit to :attr:`units`.
    """

    nutr_no: str
    key: str
    units: str
    tagname: str
    description: str
    label: str
    default: bool
    cronometer: str = ""
    cronometer_factor: float = 1.0


class FoodDatabase:
    """The SR28 foods, nutrient definitions, nutrient matrix and household measures.

    Use :func:`load_database` to get the shared, lazily loaded instance.
    """

    def __init__(self, con: sqlite3.Connection) -> None:
        rows = con.execute(
            "SELECT f.ndb, f.long_desc, f.group_code, g.description, f.manufacturer, "
            "f.common_name, f.survey FROM food f JOIN food_group g ON g.code = f.group_code "
            "ORDER BY f.idx"
        ).fetchall()
        self.ids: list[str] = [r[0] for r in rows]
        self.descriptions: list[str] = [r[1] for r in rows]
        self.group_codes: list[str] = [r[2] for r in rows]
        self.group_names: list[str] = [r[3] for r in rows]
        self.manufacturers: list[str] = [r[4] for r in rows]
        self.common_names: list[str] = [r[5] for r in rows]
        self.survey: list[bool] = [r[6] == "Y" for r in rows]
        self.index: dict[str, int] = {ndb: i for i, ndb in enumerate(self.ids)}

        self.nutrients: list[NutrientInfo] = _nutrient_infos(con)
        self.nutrient_index: dict[str, int] = {}
        for i, n in enumerate(self.nutrients):
            for alias in (n.key, n.nutr_no, f"sr28_{n.nutr_no}"):
                self.nutrient_index[alias.lower()] = i
        tag_counts: dict[str, int] = {}
        for n in self.nutrients:
            tag_counts[n.tagname] = tag_counts.get(n.tagname, 0) + 1
        for i, n in enumerate(self.nutrients):
            if n.tagname and tag_counts[n.tagname] == 1:
                self.nutrient_index.setdefault(n.tagname.lower(), i)

        blobs = dict(con.execute("SELECT name, data FROM matrix").fetchall())
        fi = np.frombuffer(zlib.decompress(blobs["food_idx"]), dtype="<u2")
        ni = np.frombuffer(zlib.decompress(blobs["nutr_idx"]), dtype="<u1")
        val = np.frombuffer(zlib.decompress(blobs["value"]), dtype="<f8")
        matrix = np.full((len(self.ids), len(self.nutrients)), np.nan)
        matrix[fi, ni] = val
        matrix.setflags(write=False)
        self.matrix: FloatArray = matrix

        self.measures: dict[str, tuple[Measure, ...]] = {}
        current: list[Measure] = []
        last = None
        for ndb, seq, amount, desc, grams in con.execute(
            "SELECT ndb, seq, amount, description, grams FROM weight ORDER BY ndb, seq"
        ):
            if ndb != last and last is not None:
                self.measures[last] = tuple(current)
                current = []
            last = ndb
            current.append(Measure(seq, amount, desc, grams))
        if last is not None:
            self.measures[last] = tuple(current)

        self.meta: dict[str, str] = dict(con.execute("SELECT key, value FROM meta").fetchall())

    def __len__(self) -> int:
        return len(self.ids)

    def food_index(self, ndb: str | int) -> int:
        """Row of a food in :attr:`matrix` from its NDB number (``"09040"`` or ``9040``)."""
        key = _normalise_ndb(ndb)
        try:
            return self.index[key]
        except KeyError:
            raise FoodNotFoundError(f"no SR28 food has NDB number {key!r}") from None

    def nutrient_position(self, name: str) -> int:
        """Column of a nutrient in :attr:`matrix` from a key, SR28 number or tagname."""
        try:
            return self.nutrient_index[name.strip().lower()]
        except KeyError:
            known = ", ".join(n.key for n in self.nutrients if not n.key.startswith("sr28_"))
            raise KeyError(
                f"unknown nutrient {name!r}; use a key ({known}), an SR28 number such as "
                "'303' or an SR28 tagname such as 'FE'"
            ) from None


def _normalise_ndb(ndb: str | int) -> str:
    s = str(ndb).strip()
    if s.isdigit() and len(s) < 5:
        s = s.zfill(5)
    return s


def _nutrient_infos(con: sqlite3.Connection) -> list[NutrientInfo]:
    spec = tomllib.loads(
        resources.files("magnerve.data").joinpath("nutrients.toml").read_text("utf-8")
    )
    by_no = {v["nutr_no"]: (k, v) for k, v in spec["keys"].items()}
    infos = []
    for nutr_no, units, tag, desc in con.execute(
        "SELECT nutr_no, units, tagname, description FROM nutrient ORDER BY idx"
    ):
        units = units.replace("µ", "u")
        if nutr_no in by_no:
            key, v = by_no[nutr_no]
            infos.append(
                NutrientInfo(
                    nutr_no,
                    key,
                    units,
                    tag,
                    desc,
                    v["label"],
                    bool(v.get("default")),
                    v.get("cronometer", ""),
                    float(v.get("cronometer_factor", 1.0)),
                )
            )
        else:
            infos.append(NutrientInfo(nutr_no, f"sr28_{nutr_no}", units, tag, desc, desc, False))
    return infos


@cache
def load_database() -> FoodDatabase:
    """Load the embedded SR28 database (once per process).

    Returns
    -------
    FoodDatabase
        All 8,789 foods, 150 nutrients and 15,438 household measures.
    """
    src = resources.files("magnerve.data").joinpath("sr28.sqlite")
    with resources.as_file(src) as path:
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            return FoodDatabase(con)
        finally:
            con.close()
