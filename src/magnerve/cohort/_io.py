"""Reading cohort files (CSV, Parquet, SAS transport XPT) for the two engines.

Both engines read the needed columns as they are in the file (CSV: as text, so that a
non-numeric cell can be named instead of failing the parse) and hand them to the same
polars expressions (:mod:`magnerve.cohort._prepare`): the Polars engine lazily, the Dask
engine once per partition on the workers. The numbers are therefore parsed by the same code
in both engines, and the results are identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import Any, Literal

import polars as pl

from magnerve.errors import InputError

__all__ = ["FileFormat", "file_columns", "file_format", "scan_dask", "scan_polars"]

FileFormat = Literal["csv", "parquet", "xpt"]

_SUFFIXES: dict[str, FileFormat] = {
    ".csv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xpt": "xpt",
}


class CohortFileError(InputError):
    """A cohort or person file cannot be read (format, missing columns, bad values)."""


def file_format(path: Path) -> FileFormat:
    """The format of a cohort file, from its name (``.csv``, ``.parquet``, ``.xpt``).

    Raises
    ------
    CohortFileError
        An unknown suffix.
    """
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise CohortFileError(
            f"{path}: unknown file type {path.suffix or '(none)'!r}; "
            "use .csv, .parquet or .xpt (SAS transport)"
        )
    return fmt


def _read_xport(path: Path, **kwargs: Any) -> pl.DataFrame:
    import pyreadstat

    try:
        df, _ = pyreadstat.read_xport(str(path), output_format="polars", **kwargs)
    except Exception as e:  # pyreadstat raises its own ReadstatError and others
        raise CohortFileError(f"{path}: not a readable SAS transport (XPT) file: {e}") from None
    return df


def file_columns(path: Path) -> list[str]:
    """Column names of a cohort file, read from its header only.

    Raises
    ------
    CohortFileError
        The file cannot be read in its format.
    """
    fmt = file_format(path)
    try:
        if fmt == "csv":
            return list(pl.scan_csv(path, infer_schema=False).collect_schema().names())
        if fmt == "parquet":
            return list(pl.scan_parquet(path).collect_schema().names())
    except (pl.exceptions.PolarsError, OSError) as e:
        raise CohortFileError(f"{path}: cannot be read as {fmt.upper()}: {e}") from None
    import pyreadstat

    try:
        _, meta = pyreadstat.read_xport(str(path), metadataonly=True)
    except Exception as e:
        raise CohortFileError(f"{path}: not a readable SAS transport (XPT) file: {e}") from None
    return list(meta.column_names)


def require_columns(path: Path, needed: Sequence[str]) -> None:
    """Raise a clear error naming every needed column the file lacks.

    Raises
    ------
    CohortFileError
        One or more columns missing.
    """
    have = file_columns(path)
    missing = [c for c in needed if c not in have]
    if missing:
        raise CohortFileError(
            f"{path}: missing column(s) {', '.join(missing)} (the file has: "
            f"{', '.join(have[:20])}{' ...' if len(have) > 20 else ''}); a cohort file needs "
            f"the NHANES columns {', '.join(needed)}"
        )


def scan_polars(path: Path, columns: Sequence[str]) -> pl.LazyFrame:
    """A lazy scan of ``columns`` (CSV cells as text, Parquet and XPT as stored)."""
    fmt = file_format(path)
    cols = list(columns)
    if fmt == "csv":
        return pl.scan_csv(path, infer_schema=False).select(cols)
    if fmt == "parquet":
        return pl.scan_parquet(path).select(cols)
    return _read_xport(path, usecols=cols).lazy().select(cols)


def scan_dask(path: Path, columns: Sequence[str], npartitions: int = 2) -> Any:
    """A Dask dataframe of ``columns`` (CSV cells as text, Parquet and XPT as stored).

    CSV and Parquet are read by the workers in blocks; an XPT file (a format without random
    access) is read once by the client and split into ``npartitions``.
    """
    dd: Any = import_module("dask.dataframe")  # untyped library: used through Any
    fmt = file_format(path)
    cols = list(columns)
    if fmt == "csv":
        return dd.read_csv(
            str(path),
            usecols=cols,
            dtype=dict.fromkeys(cols, "string"),
            keep_default_na=False,  # missing-value spellings are decided in _prepare
            na_values=[""],
            blocksize="16MB",
        )[cols]
    if fmt == "parquet":
        return dd.read_parquet(str(path), columns=cols)
    pdf = _read_xport(path, usecols=cols).select(cols).to_pandas()
    return dd.from_pandas(pdf, npartitions=max(1, npartitions), sort=False)
