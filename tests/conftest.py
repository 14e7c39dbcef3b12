"""Shared helpers: an independent reader of the embedded SR28 SQLite file.

The tests compare magnerve's in-memory database with what the SQLite file says, read
here with plain ``sqlite3`` + ``zlib`` + ``struct`` (no numpy, no magnerve code).
"""

from __future__ import annotations

import sqlite3
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).parent / "data"
REPO_ROOT = Path(__file__).resolve().parents[1]


def sr28_path() -> Path:
    """Path of the embedded SR28 SQLite file (editable install: a real file)."""
    return Path(str(resources.files("magnerve.data").joinpath("sr28.sqlite")))


def sr28_connect() -> sqlite3.Connection:
    return sqlite3.connect(f"file:{sr28_path()}?mode=ro", uri=True)


@dataclass(frozen=True)
class RawSR28:
    """SR28 nutrient values decoded straight from the ``matrix`` blobs."""

    values: dict[tuple[str, str], float]  # (ndb, nutr_no) -> value per 100 g

    def value(self, ndb: str, nutr_no: str) -> float | None:
        return self.values.get((ndb, nutr_no))


@cache
def raw_sr28() -> RawSR28:
    con = sr28_connect()
    try:
        blobs = dict(con.execute("SELECT name, data FROM matrix"))
        food_by_idx = dict((idx, ndb) for ndb, idx in con.execute("SELECT ndb, idx FROM food"))
        nutr_by_idx = dict(
            (idx, no) for no, idx in con.execute("SELECT nutr_no, idx FROM nutrient")
        )
    finally:
        con.close()
    fi = zlib.decompress(blobs["food_idx"])
    ni = zlib.decompress(blobs["nutr_idx"])
    va = zlib.decompress(blobs["value"])
    n = len(ni)
    foods = struct.unpack(f"<{n}H", fi)
    nutrs = struct.unpack(f"<{n}B", ni)
    vals = struct.unpack(f"<{n}d", va)
    return RawSR28(
        {(food_by_idx[f], nutr_by_idx[k]): v for f, k, v in zip(foods, nutrs, vals, strict=True)}
    )


@pytest.fixture(scope="session")
def sr28_db() -> Iterator[sqlite3.Connection]:
    con = sr28_connect()
    yield con
    con.close()


@pytest.fixture(scope="session")
def sr28_raw() -> RawSR28:
    return raw_sr28()


@pytest.fixture(scope="session")
def demo():
    """The bundled demo diary and profile (parsed once per test session)."""
    from magnerve.datasets import load_demo

    return load_demo()
