"""Extract nutriR's magnesium intake distributions and its own prevalence figures.

nutriR (Free et al., https://github.com/cfree14/nutriR, commit
8a77416b740ae46fcf72960097dd44410d930181, GPL-3) ships, in ``data/dists_full.rda``, habitual
intake distributions fitted to national surveys (Passarelli et al. 2022, GND "global nutrient
database"), each with the EAR and EAR CV it used and the prevalence of inadequate intake that
nutriR computed: the probability approach for the gamma (``g_sev_ear``) and log-normal
(``ln_sev_ear``) fits (nutriR's ``sev()``), and the EAR cut-point on the best-fitting one
(``cutpoint_sev_ear``). This writes the magnesium rows to ``tests/data/nutrir_magnesium.csv``
so that magnerve's cohort engine can be compared with them without R (see
``tests/cohort/test_nutrir_agreement.py`` and ``benchmarks/bench_cohort_nutrir.py``).

Needs ``pyreadr`` and ``pandas`` (not magnerve dependencies; e.g. in a throw-away venv)::

    git clone https://github.com/cfree14/nutriR /tmp/nutriR
    python scripts/extract_nutrir_magnesium.py /tmp/nutriR/data/dists_full.rda
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "nutrir_magnesium.csv"
COLUMNS = [
    "country",
    "iso3",
    "sex",
    "age_group",
    "ear",
    "ear_cv",
    "best_dist",
    "g_shape",
    "g_rate",
    "g_sev_ear",
    "ln_meanlog",
    "ln_sdlog",
    "ln_sev_ear",
    "cutpoint_sev_ear",
]


def main(path: str) -> None:
    import pyreadr

    frame = pyreadr.read_r(path)["dists_full"]
    mg = frame[frame["nutrient"] == "Magnesium"][COLUMNS]
    mg = mg.dropna(subset=["ear", "ear_cv"]).sort_values(["country", "sex", "age_group"])
    mg.to_csv(OUT, index=False, float_format="%.10g")
    print(f"wrote {len(mg)} rows to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
