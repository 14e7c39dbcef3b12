"""``magnerve cohort``: prevalence of inadequate usual magnesium intake in a survey file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from magnerve.cli._common import Table, _emit_json, _fail, app, check_outputs, escape, out


class EngineChoice(StrEnum):
    polars = "polars"
    dask = "dask"


class MethodChoice(StrEnum):
    cutpoint = "cutpoint"
    probability = "probability"


class UsualChoice(StrEnum):
    shrink = "shrink"
    nci = "nci"


class VarianceChoice(StrEnum):
    taylor = "taylor"
    jackknife = "jackknife"
    brr = "brr"


_EXCLUDED = {
    "no_day1_intake": "without a day-1 intake (DR1TMAGN)",
    "no_ear_under_1_year": "under 1 year of age (IOM gives an AI, no EAR)",
}


@contextmanager
def _progress(*, enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar on stderr when it is a terminal (and not --json); else nothing."""
    import sys

    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("cohort", total=1)

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=max(total, 1))

        yield update


def _pct(v: float) -> str:
    return f"{v * 100:.1f} %"


@app.command("cohort")
def cohort_cmd(
    file: Annotated[
        Path, typer.Argument(help="Cohort file (CSV, Parquet or XPT) with NHANES columns.")
    ],
    persons: Annotated[
        Path | None,
        typer.Option("--persons", help="Person file joined on SEQN (RIDEXPRG, DSQTMAGN)."),
    ] = None,
    engine: Annotated[
        EngineChoice, typer.Option("--engine", help="polars (default) or dask.")
    ] = EngineChoice.polars,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Dask scheduler address (tcp://host:port); default: a local cluster.",
        ),
    ] = None,
    method: Annotated[
        MethodChoice,
        typer.Option("--method", help="EAR cut-point method or the probability approach."),
    ] = MethodChoice.cutpoint,
    usual: Annotated[
        UsualChoice,
        typer.Option(
            "--usual", help="Usual intakes: shrink, or nci (Box-Cox mixed model, Monte Carlo)."
        ),
    ] = UsualChoice.shrink,
    variance: Annotated[
        VarianceChoice,
        typer.Option(
            "--variance", help="Standard errors: taylor, jackknife (JKn) or brr (replicates)."
        ),
    ] = VarianceChoice.taylor,
    refit_replicates: Annotated[
        bool,
        typer.Option(
            "--refit-replicates",
            help="With --usual nci and --variance jackknife|brr: refit the NCI model for "
            "every replicate weight set, so the SEs include the model's uncertainty (slow).",
        ),
    ] = False,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write tables (CSV, Parquet) and summary.html into this directory."
        ),
    ] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Write the prevalence chart (SVG) here.")
    ] = None,
    diaries: Annotated[
        bool,
        typer.Option(
            "--diaries",
            help="FILE is a food-level diary (person, date, food/ndb, amount, unit; CSV or "
            "Parquet); --persons gives SEQN, RIAGENDR, RIDAGEYR, WTDRD1, SDMVSTRA, SDMVPSU.",
        ),
    ] = False,
    streaming: Annotated[
        bool,
        typer.Option("--streaming", help="With --diaries: Polars' streaming engine (big files)."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Share of a survey population with usual magnesium intake below the EAR, overall and
    by sex and IOM age group, with design-based standard errors (docs/cohort.md)."""
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        _fail(f"--out {escape(str(out_dir))} exists and is not a directory", code=2)
    if out_dir is not None and (
        out_dir.resolve() == file.resolve()
        or (persons is not None and out_dir.resolve() == persons.resolve())
    ):
        _fail("--out must not be an input file", code=2)
    if scheduler is not None and engine is not EngineChoice.dask:
        _fail("--scheduler needs --engine dask", code=2)
    if diaries and persons is None:
        _fail("--diaries needs --persons (the person table: sex, age, weights, design)", code=2)
    if streaming and not diaries:
        _fail("--streaming needs --diaries", code=2)
    if refit_replicates and (usual is not UsualChoice.nci or variance is VarianceChoice.taylor):
        _fail("--refit-replicates needs --usual nci and --variance jackknife or brr", code=2)
    if not file.is_file():
        _fail(f"cohort file not found: {escape(str(file))}", code=2)
    if persons is not None and not persons.is_file():
        _fail(f"person file not found: {escape(str(persons))}", code=2)
    check_outputs({"--chart": chart}, [file, persons])
    try:
        from magnerve.cohort import cohort_from_diaries, cohort_prevalence
    except ImportError as e:
        _fail(
            f"magnerve cohort needs the extra 'magnerve[cohort]' ({e.name} is not installed)",
            code=2,
            hints=['python -m pip install "magnerve[cohort]"'],
        )
        raise
    from magnerve.errors import InputError

    try:
        with _progress(enabled=not as_json) as progress:
            if diaries:
                assert persons is not None
                result = cohort_from_diaries(
                    file,
                    persons=persons,
                    streaming=streaming,
                    engine=engine.value,
                    scheduler=scheduler,
                    method=method.value,
                    usual=usual.value,
                    variance=variance.value,
                    refit=refit_replicates,
                    progress=progress,
                )
            else:
                result = cohort_prevalence(
                    file,
                    persons=persons,
                    engine=engine.value,
                    scheduler=scheduler,
                    method=method.value,
                    usual=usual.value,
                    variance=variance.value,
                    refit=refit_replicates,
                    progress=progress,
                )
    except InputError as e:
        _fail(escape(str(e)), code=1)
        raise
    if chart is not None:
        try:
            result.plot(chart)
        except OSError as e:
            _fail(f"cannot write {escape(str(chart))}: {escape(e.strerror or str(e))}", code=1)
    if out_dir is not None:
        try:
            result.write(out_dir)
        except OSError as e:
            _fail(f"cannot write to {escape(str(out_dir))}: {escape(str(e))}", code=1)
    if as_json:
        _emit_json(result.to_dict())
        return
    t = Table(
        title=f"Usual magnesium intake below the EAR ({method.value}, usual intakes: "
        f"{usual.value}, SEs: {variance.value}"
        f"{', model refitted per replicate' if result.refit_replicates else ''}); "
        f"{result.n_persons:,} persons"
    )
    t.add_column("Sex")
    t.add_column("Age")
    for name in ("n", "Below EAR", "SE", "95 % CI"):
        t.add_column(name, justify="right")
    for row in result.summary().iter_rows(named=True):
        t.add_row(
            row["sex"],
            row["age_group"],
            f"{row['n']:,}",
            _pct(row["prevalence"]),
            _pct(row["se"]),
            f"{_pct(row['ci95_low'])} – {_pct(row['ci95_high'])}",
        )
    out.print(t)
    skipped = {k: v for k, v in result.excluded.items() if v}
    if skipped:
        out.print(
            "[dim]not in the estimate:[/] "
            + ", ".join(f"{v:,} {_EXCLUDED.get(k, k)}" for k, v in skipped.items()),
            highlight=False,
        )
    if result.diaries is not None:
        dd = result.diaries
        bad = ", ".join(f"{k} {v:,}" for k, v in dd["rows_with_problems"].items()) or "none"
        out.print(
            f"diary rows: {dd['rows']:,}; aggregated "
            f"{dd['rows_aggregated']:,}; not used: {escape(bad)}",
            highlight=False,
        )
    if chart is not None:
        out.print(f"chart: {escape(str(chart))}", highlight=False)
    if out_dir is not None:
        out.print(f"tables and summary.html: {escape(str(out_dir))}", highlight=False)
