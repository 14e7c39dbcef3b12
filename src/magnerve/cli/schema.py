"""``magnerve schema NAME [--out FILE]``: print the JSON Schema of a command's JSON output."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from magnerve.cli._common import _fail, app, err


@app.command("schema")
def schema_cmd(
    name: Annotated[
        str,
        typer.Argument(
            help="Which output: assess, plan, intake, analysis, parse, foods-search or error."
        ),
    ],
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the schema to this file.")
    ] = None,
) -> None:
    """Print the JSON Schema (draft 2020-12) of a JSON output (see docs/schemas.md)."""
    from magnerve.schemas import SCHEMAS, schema_text  # pydantic loads only from here

    if name not in SCHEMAS:
        _fail(f"unknown schema {name!r}", code=2, hints=["choose one of: " + ", ".join(SCHEMAS)])
        return
    text = schema_text(name)
    if out_file is None:
        typer.echo(text, nl=False)
        return
    try:
        out_file.write_text(text, encoding="utf-8")
    except OSError as e:
        _fail(f"cannot write {out_file}: {e.strerror or e}")
        return
    err.print(f"wrote {out_file}", highlight=False)
