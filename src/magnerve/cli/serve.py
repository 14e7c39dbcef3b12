"""``magnerve serve``: run the web app (needs the ``web`` extra)."""

from __future__ import annotations

from typing import Annotated

import typer

from magnerve.cli._common import _fail, app, err


@app.command("serve")
def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on [default: 127.0.0.1].")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", help="TCP port [default: 8000].", min=1, max=65535),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db "
            "[default: SQLite file magnerve.sqlite3 in $MAGNERVE_DATA_DIR or "
            "~/.local/share/magnerve].",
        ),
    ] = None,
) -> None:
    """Run the web app and its JSON API (/api/v1; OpenAPI at /openapi.json).

    The database migrations are applied before the server starts.
    """
    try:
        import uvicorn

        from magnerve.web import Settings, create_app
        from magnerve.web.core.config import policy
    except ImportError as e:
        _fail(
            f"the web app needs more packages ({e.name} is missing)",
            code=2,
            hints=['install them with: python -m pip install "magnerve[web]"'],
        )
        return
    from sqlalchemy.exc import ArgumentError, OperationalError

    server = policy()["server"]
    settings = Settings(database_url=database_url or "")
    try:
        web_app = create_app(settings)
    except (ArgumentError, ValueError) as e:
        _fail(f"bad --database-url: {e}", code=1)
        return
    except OperationalError as e:
        _fail(f"cannot open the database: {e.orig or e}", code=1)
        return
    where = settings.resolved_url() if not database_url else "the database given"
    err.print(f"magnerve web app: database {where}", highlight=False)
    uvicorn.run(web_app, host=host or server["host"], port=port or server["port"])
