"""Access to the embedded USDA SR28 database (``magnerve/data/sr28.sqlite``).

The database is built by ``scripts/build_food_db.py``. It is read once, on first
use, into plain arrays: the nutrient table becomes a dense ``(n_foods,
n_nutrients)`` float64 matrix in which an unknown value is ``NaN`` (SR28 lists
only the nutrients that were analysed or imputed for a food; an absent pair is
unknown, not zero).
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

__all__ = [
    "FoodDatabase",
    "FoodNotFoundError",
    "Measure",
    "NutrientInfo",
    "database_path",
    "load_database",
]


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


#: Searches served by a query of their rows before :meth:`FoodDatabase.food_rows` loads the
#: whole food table.
_ROW_QUERIES_BEFORE_TABLE = 3


class FoodDatabase:
    """The SR28 foods, nutrient definitions, nutrient matrix and household measures.

    Use :func:`load_database` to get the shared instance. The parts are read from the SQLite
    file on first use, each on its own: a food search needs only the food table (ids,
    descriptions, groups, flags), so it never decompresses the nutrient matrix or imports
    numpy; :attr:`matrix`, :attr:`nutrients` and :attr:`measures` load when first asked for.

    Parameters
    ----------
    source : sqlite3.Connection or str or os.PathLike
        An open connection (everything is read at once, as before) or the path of the
        SQLite file (parts are read lazily, each through a short-lived read-only connection).
    """

    _row_queries: int

    def __init__(self, source: sqlite3.Connection | str | os.PathLike[str]) -> None:
        self._row_queries = 0
        if isinstance(source, sqlite3.Connection):
            self._path: str | None = None
            self._con: sqlite3.Connection | None = source
            # an open connection may be closed by the caller: read every part now
            for name in ("ids", "nutrients", "matrix", "measures", "meta"):
                getattr(self, name)
            self._con = None
        else:
            self._path = os.fspath(source)
            self._con = None

    def _connect(self) -> sqlite3.Connection:
        if self._con is not None:
            return self._con
        assert self._path is not None
        uri = "file:" + urllib.parse.quote(self._path) + "?mode=ro&immutable=1"
        return sqlite3.connect(uri, uri=True)

    def _query(self, sql: str) -> list[Any]:
        con = self._connect()
        try:
            return con.execute(sql).fetchall()
        finally:
            if con is not self._con:
                con.close()

    # -- food table (all a search needs) ----------------------------------------------------
    @cached_property
    def _foods(self) -> tuple[list[Any], ...]:
        rows = self._query(
            "SELECT f.ndb, f.long_desc, f.group_code, g.description, f.manufacturer, "
            "f.common_name, f.survey FROM food f JOIN food_group g ON g.code = f.group_code "
            "ORDER BY f.idx"
        )
        cols = tuple(list(c) for c in zip(*rows, strict=True)) if rows else ([],) * 7
        return cols

    def food_rows(self, rows: Sequence[int]) -> list[tuple[str, str, str]]:
        """(NDB number, description, group name) of some foods by row.

        Reads only those rows when the food table is not loaded yet (a search shows ten foods
        of 8,789).
        """
        if not rows:
            return []
        # A process that asks again and again (a diary read: one search per distinct line)
        # loads the whole table once (~15 ms) instead of one query per search (~1 ms each).
        self._row_queries = getattr(self, "_row_queries", 0) + 1
        if "_foods" in self.__dict__ or self._row_queries > _ROW_QUERIES_BEFORE_TABLE:
            return [(self.ids[i], self.descriptions[i], self.group_names[i]) for i in rows]
        wanted = [int(i) for i in rows]
        found = {
            r[0]: r[1:]
            for r in self._query(
                "SELECT f.idx, f.ndb, f.long_desc, g.description FROM food f "
                "JOIN food_group g ON g.code = f.group_code "
                f"WHERE f.idx IN ({','.join(map(str, wanted))})"
            )
        }
        if len(found) != len(set(wanted)):
            raise IndexError("food row out of range")
        return [found[i] for i in wanted]

    @cached_property
    def ids(self) -> list[str]:
        """NDB numbers (5 characters), in matrix row order."""
        return self._foods[0]

    @cached_property
    def descriptions(self) -> list[str]:
        """SR28 long descriptions."""
        return self._foods[1]

    @cached_property
    def group_codes(self) -> list[str]:
        """SR28 food group codes ("1200")."""
        return self._foods[2]

    @cached_property
    def group_names(self) -> list[str]:
        """SR28 food group names."""
        return self._foods[3]

    @cached_property
    def manufacturers(self) -> list[str]:
        """Manufacturer of branded items ("" otherwise)."""
        return self._foods[4]

    @cached_property
    def common_names(self) -> list[str]:
        """SR28 common names ("" when none)."""
        return self._foods[5]

    @cached_property
    def survey(self) -> list[bool]:
        """True for foods used in the US dietary survey (SR28 ``Survey = Y``)."""
        return [s == "Y" for s in self._foods[6]]

    @cached_property
    def index(self) -> dict[str, int]:
        """NDB number -> matrix row."""
        return {ndb: i for i, ndb in enumerate(self.ids)}

    # -- nutrients ----------------------------------------------------------------------
    @cached_property
    def nutrients(self) -> list[NutrientInfo]:
        """Nutrient definitions, in matrix column order."""
        return _nutrient_infos(
            self._query("SELECT nutr_no, units, tagname, description FROM nutrient ORDER BY idx")
        )

    @cached_property
    def nutrient_index(self) -> dict[str, int]:
        """Lower-case key, SR28 number or unique tagname -> matrix column."""
        index: dict[str, int] = {}
        for i, n in enumerate(self.nutrients):
            for alias in (n.key, n.nutr_no, f"sr28_{n.nutr_no}"):
                index[alias.lower()] = i
        tag_counts: dict[str, int] = {}
        for n in self.nutrients:
            tag_counts[n.tagname] = tag_counts.get(n.tagname, 0) + 1
        for i, n in enumerate(self.nutrients):
            if n.tagname and tag_counts[n.tagname] == 1:
                index.setdefault(n.tagname.lower(), i)
        return index

    @cached_property
    def matrix(self) -> FloatArray:
        """``(n_foods, n_nutrients)`` values per 100 g; NaN where SR28 has no value."""
        import numpy as np

        blobs = dict(self._query("SELECT name, data FROM matrix"))
        fi = np.frombuffer(zlib.decompress(blobs["food_idx"]), dtype="<u2")
        ni = np.frombuffer(zlib.decompress(blobs["nutr_idx"]), dtype="<u1")
        val = np.frombuffer(zlib.decompress(blobs["value"]), dtype="<f8")
        matrix = np.full((len(self.ids), len(self.nutrients)), np.nan)
        matrix[fi, ni] = val
        matrix.setflags(write=False)
        return matrix

    # -- measures and metadata -------------------------------------------------------------
    @cached_property
    def measures(self) -> dict[str, tuple[Measure, ...]]:
        """NDB number -> household measures (``WEIGHT.txt``), in SR28 order."""
        measures: dict[str, tuple[Measure, ...]] = {}
        current: list[Measure] = []
        last = None
        for ndb, seq, amount, desc, grams in self._query(
            "SELECT ndb, seq, amount, description, grams FROM weight ORDER BY ndb, seq"
        ):
            if ndb != last and last is not None:
                measures[last] = tuple(current)
                current = []
            last = ndb
            current.append(Measure(seq, amount, desc, grams))
        if last is not None:
            measures[last] = tuple(current)
        return measures

    @cached_property
    def meta(self) -> dict[str, str]:
        """The file's metadata table (source, version, counts)."""
        return dict(self._query("SELECT key, value FROM meta"))

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


def _nutrient_infos(rows: list[Any]) -> list[NutrientInfo]:
    # the nutrient keys are read once per database (load_database() is one per process): the
    # keys name the matrix columns, so a swapped registry does not rename them
    from magnerve.registry import get_registry

    keys = get_registry().section("nutrients").keys
    by_no = {v.nutr_no: (k, v) for k, v in keys.items()}
    infos = []
    for nutr_no, units, tag, desc in rows:
        units = units.replace("µ", "u")
        if nutr_no in by_no:
            key, v = by_no[nutr_no]
            factor = 1.0 if v.cronometer_factor is None else float(v.cronometer_factor)
            infos.append(
                NutrientInfo(
                    nutr_no, key, units, tag, desc, v.label, v.default, v.cronometer, factor
                )
            )
        else:
            infos.append(NutrientInfo(nutr_no, f"sr28_{nutr_no}", units, tag, desc, desc, False))
    return infos


@cache
def load_database() -> FoodDatabase:
    """The embedded SR28 database (one shared instance per process).

    Parts are read from the SQLite file on first use (see :class:`FoodDatabase`).

    Returns
    -------
    FoodDatabase
        All 8,789 foods, 150 nutrients and 15,438 household measures.
    """
    return FoodDatabase(database_path())


@cache
def database_path() -> str:
    """Path of the embedded SR28 SQLite file."""
    import magnerve.data

    here = os.path.join(os.path.dirname(magnerve.data.__file__ or ""), "sr28.sqlite")
    if os.path.isfile(here):  # the usual install: no importlib.resources machinery needed
        return here
    from importlib import resources

    src = resources.files("magnerve.data").joinpath("sr28.sqlite")
    if isinstance(src, os.PathLike):
        return str(os.fspath(src))
    # a zipped install: copy the file out once (the copy lives as long as the process)
    import tempfile

    fd, tmp = tempfile.mkstemp(suffix=".sqlite", prefix="magnerve-sr28-")
    with os.fdopen(fd, "wb") as f:
        f.write(src.read_bytes())
    return tmp
