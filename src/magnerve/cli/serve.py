"""``magnerve serve``: run the web app (needs the ``web`` extra)."""

from __future__ import annotations

import os
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
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            help="Worker processes (uvicorn); more than 1 serves requests in parallel "
            "[default: 1, a single process].",
            min=1,
        ),
    ] = 1,
) -> None:
    """Run the web app and its JSON API (/api/v1; OpenAPI at /openapi.json).

    The database migrations are applied once, before the server (and its workers) start.
    """
    try:
        import uvicorn

        from magnerve.web import Settings, create_app
        from magnerve.web.core.config import policy
        from magnerve.web.main import DATABASE_URL_ENV
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
    how = f", {workers} workers" if workers > 1 else ""
    err.print(f"magnerve web app: database {where}{how}", highlight=False)
    bind_host: str = host or server["host"]
    bind_port: int = port or server["port"]
    if workers == 1:
        uvicorn.run(web_app, host=bind_host, port=bind_port)
        return
    # Each worker process builds its own app (uvicorn needs an import string to start them);
    # the migrations ran above, once. The URL goes to the workers through the environment.
    web_app.state.engine.dispose()
    os.environ[DATABASE_URL_ENV] = settings.resolved_url()
    uvicorn.run(
        "magnerve.web.main:create_worker_app",
        factory=True,
        workers=workers,
        host=bind_host,
        port=bind_port,
    )
