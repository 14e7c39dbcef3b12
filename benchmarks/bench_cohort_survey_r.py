"""Cross-check of the cohort engine's design-based standard errors against R's ``survey``.

magnerve computes prevalence SEs with svy (Python): Taylor linearisation over strata and PSUs,
the delete-one-PSU jackknife and BRR. This script runs the same cohort through
``magnerve.cohort.estimate_prevalence`` and through R's ``survey`` package (Lumley; Debian
package ``r-cran-survey``) on magnerve's own per-person values (below-EAR indicator or
probability of inadequacy, with the weights, strata and PSUs):

* ``svydesign(ids = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~weight, nest = TRUE)`` and
  ``svymean`` (Taylor);
* ``as.svrepdesign(design, type = "JKn")`` (jackknife, one replicate per PSU);
* BRR: ``svrepdesign(type = "BRR")`` on the replicate weights svy builds for magnerve (the
  variance from the same half-samples), and, for scale, R's own ``as.svrepdesign(type =
  "BRR")``, whose half-samples come from another Hadamard matrix (a different, equally valid
  balanced set, so its SE differs by a few per cent);
* ``svyby(~y, ~sex + age_group, design, svymean)`` for the groups.

It prints each estimate and SE from both, and the largest relative SE difference.

Needs ``Rscript`` with ``survey`` (``apt-get install r-base-core r-cran-survey``); without it
the script says so and stops. Run: ``python benchmarks/bench_cohort_survey_r.py [--n 3000]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cohort import synthetic

R_CODE = r"""
suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d$group <- paste(d$sex, d$age_group, sep = "|")
des <- svydesign(ids = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~weight, nest = TRUE, data = d)
rw <- read.csv(args[2])
reps <- list(
  taylor = des,
  jackknife = as.svrepdesign(des, type = "JKn"),
  brr = svrepdesign(data = d, repweights = rw, weights = ~weight, type = "BRR",
                    combined.weights = TRUE),
  brr_r_halves = as.svrepdesign(des, type = "BRR")
)
out <- list()
for (v in names(reps)) {
  m <- svymean(~y, reps[[v]])
  g <- svyby(~y, ~group, reps[[v]], svymean)
  out[[v]] <- list(
    estimate = unname(coef(m)[1]), se = unname(SE(m)[1]),
    groups = setNames(lapply(seq_len(nrow(g)), function(i)
      list(estimate = unname(g$y[i]), se = unname(SE(g)[i]))), g$group)
  )
}
to_json <- function(x) {
  if (is.list(x)) {
    nm <- names(x)
    inner <- vapply(seq_along(x), function(i)
      paste0('"', nm[i], '":', to_json(x[[i]])), character(1))
    return(paste0("{", paste(inner, collapse = ","), "}"))
  }
  format(x, digits = 17)
}
cat(to_json(out))
"""


def svy_brr_weights(per: pl.DataFrame) -> pl.DataFrame:
    """The BRR replicate weights svy makes for this design, as magnerve's engine asks it."""
    import svy

    frame = per.select(
        pl.col("SDMVSTRA").alias("stratum"),
        pl.col("SDMVPSU").alias("psu"),
        pl.col("weight").alias("w"),
    )
    sample = svy.Sample(frame, svy.Design(stratum="stratum", psu="psu", wgt="w"))
    out = sample.weighting.create_brr_wgts(rep_prefix="w_rep")
    data: pl.DataFrame = out._data
    return data.select(pl.selectors.starts_with("w_rep"))


def r_survey(persons: Path, repweights: Path) -> dict[str, object]:
    """R survey's estimates and SEs for the per-person values in ``persons`` (CSV)."""
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as f:
        f.write(R_CODE)
    out = subprocess.run(
        ["Rscript", "--vanilla", f.name, str(persons), str(repweights)],
        capture_output=True,
        text=True,
        check=False,
    )
    Path(f.name).unlink()
    if out.returncode != 0:
        raise SystemExit(f"Rscript failed:\n{out.stderr}")
    data: dict[str, object] = json.loads(out.stdout)
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if shutil.which("Rscript") is None:
        raise SystemExit("Rscript not found: apt-get install r-base-core r-cran-survey")
    from magnerve.cohort import estimate_prevalence, read_cohort

    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "cohort.csv"
        table = synthetic(args.n, args.seed)
        # BRR needs exactly two PSUs in every stratum: the synthetic design has them
        table.write_csv(src)
        design = table.select(pl.col("SEQN").cast(pl.Float64), "SDMVSTRA", "SDMVPSU")
        cohort = read_cohort(src)
        for method, col in (("cutpoint", "below_ear"), ("probability", "p_inadequate")):
            results = {}
            t0 = time.perf_counter()
            for variance in ("taylor", "jackknife", "brr"):
                results[variance] = estimate_prevalence(
                    cohort,
                    method=method,  # type: ignore[arg-type]
                    variance=variance,  # type: ignore[arg-type]
                )
            t_mag = time.perf_counter() - t0
            persons = results["taylor"].persons
            assert persons is not None
            per = persons.join(design, on="SEQN").select(
                "SEQN",
                "sex",
                "age_group",
                "weight",
                "SDMVSTRA",
                "SDMVPSU",
                pl.col(col).cast(pl.Float64).alias("y"),
            )
            pcsv = Path(tmp) / f"persons_{method}.csv"
            per.write_csv(pcsv)
            rcsv = Path(tmp) / f"repweights_{method}.csv"
            svy_brr_weights(per).write_csv(rcsv)
            t0 = time.perf_counter()
            r = r_survey(pcsv, rcsv)
            t_r = time.perf_counter() - t0
            print(
                f"\n{method}: {per.height} persons, magnerve (3 variances) {t_mag:.2f} s, "
                f"R survey {t_r:.2f} s"
            )
            print(f"  {'':28s} {'magnerve':>22s} {'R survey':>22s}  rel. SE diff")
            for variance, res in results.items():
                rv = r[variance]  # type: ignore[index]
                rows = [("overall", res.overall.estimate, res.overall.se, rv)]
                for g in res.groups:
                    key = f"{g.sex}|{g.age_group}"
                    rg = rv["groups"].get(key)  # type: ignore[index]
                    if rg is not None:
                        rows.append((key, g.prevalence.estimate, g.prevalence.se, rg))
                for name, est, se, ref in rows:
                    rel = abs(se - ref["se"]) / ref["se"] if ref["se"] > 0 else abs(se)
                    worst = max(worst, rel)
                    if name == "overall" or rel > 1e-6:
                        print(
                            f"  {variance:9s} {name:18s} {est:.6f} ± {se:.6f}   "
                            f"{ref['estimate']:.6f} ± {ref['se']:.6f}  {rel:.1e}"
                        )
            own = r["brr_r_halves"]  # type: ignore[index]
            rel_own = abs(results["brr"].overall.se - own["se"]) / own["se"]  # type: ignore[index]
            print(
                f"  R's own BRR half-samples (another Hadamard matrix): overall "
                f"{own['estimate']:.6f} ± {own['se']:.6f} ({rel_own:.1e} from magnerve's)"  # type: ignore[index]
            )
    print(
        f"\nlargest relative SE difference (Taylor, jackknife, and BRR on the same replicate "
        f"weights), every method and group: {worst:.2e}"
    )


if __name__ == "__main__":
    main()
