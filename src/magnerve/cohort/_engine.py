"""The two engines: read a file's needed columns and prepare them, row-wise, with the same
polars expressions (:mod:`magnerve.cohort._prepare`).

* ``polars`` (default): a lazy scan, collected once.
* ``dask``: the same per-row step on each partition of a Dask dataframe, run on a
  ``dask.distributed`` cluster: a local one (two worker processes) by default, or the
  scheduler at ``scheduler`` (``tcp://host:port``).

Both return the table sorted by SEQN, so everything after it is the same code on the same
numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from importlib import import_module
from pathlib import Path
from typing import Any, Literal

import polars as pl

from magnerve.cohort._io import CohortFileError, scan_dask, scan_polars
from magnerve.cohort._prepare import prepare, prepare_pandas
from magnerve.errors import InputError

__all__ = ["Engine", "load_table"]

Engine = Literal["polars", "dask"]


class SchedulerError(InputError):
    """The Dask scheduler given with ``--scheduler`` cannot be reached."""


def _sorted(table: pl.DataFrame) -> pl.DataFrame:
    return table.sort("SEQN", nulls_last=True, maintain_order=True)


def _polars(path: Path, columns: Sequence[str]) -> pl.DataFrame:
    lf = prepare(scan_polars(path, columns), columns)
    try:
        return _sorted(lf.collect())
    except pl.exceptions.PolarsError as e:
        raise CohortFileError(f"{path}: cannot be read: {e}") from None


def _dask(path: Path, columns: Sequence[str], scheduler: str | None) -> pl.DataFrame:
    dist: Any = import_module("distributed")  # untyped library: used through Any
    Client, LocalCluster = dist.Client, dist.LocalCluster

    def run(client: Any) -> pl.DataFrame:
        ddf = scan_dask(path, columns, npartitions=2)
        prepared = ddf.map_partitions(partial(prepare_pandas, columns=list(columns)))
        pdf = client.compute(prepared).result()
        return _sorted(pl.from_pandas(pdf, nan_to_null=True))

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as e:
            raise SchedulerError(
                f"cannot connect to the Dask scheduler at {scheduler!r}: {e}"
            ) from None
        try:
            return run(client)
        finally:
            client.close()
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        return run(client)


def load_table(
    path: Path, columns: Sequence[str], *, engine: Engine = "polars", scheduler: str | None = None
) -> pl.DataFrame:
    """Read and prepare ``columns`` of ``path`` with an engine; sorted by SEQN.

    Parameters
    ----------
    path : pathlib.Path
        CSV, Parquet or XPT file.
    columns : sequence of str
        Columns to read (they must exist).
    engine : {"polars", "dask"}
        Which engine runs the per-row step.
    scheduler : str, optional
        Dask scheduler address; default: a local cluster with two worker processes.

    Returns
    -------
    polars.DataFrame
        ``columns`` as Float64 (null where missing) with ``.bad`` and ``.text`` columns.
    """
    if engine == "polars":
        return _polars(path, columns)
    if engine == "dask":
        return _dask(path, columns, scheduler)
    raise InputError(f"unknown engine {engine!r}; use 'polars' or 'dask'")
