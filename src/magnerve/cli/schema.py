"""``magnerve schema NAME [--out FILE]``: print the JSON Schema of a command's JSON output."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from magnerve.cli._common import _fail, app, check_outputs, err, write_output


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
    if out_file is not None:  # the same output-path check as every other command
        check_outputs({"--out": out_file}, [])
    text = schema_text(name)
    if out_file is None:
        typer.echo(text, nl=False)
        return
    write_output(out_file, text)
    err.print(f"wrote {out_file}", highlight=False)
