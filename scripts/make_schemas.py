"""Write the published JSON Schemas of magnerve's JSON outputs to docs/schema/NAME.json (from
the pydantic output models in ``magnerve.schemas``). Run from the repository root:
``python scripts/make_schemas.py``; ``--check`` only reports files that differ (exit 1).
tests/test_schemas.py keeps the files equal to what this script writes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from magnerve.schemas import SCHEMAS, schema_text

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "schema"


def main(argv: list[str] | None = None) -> int:
    """Write (or ``--check``) every schema; the exit code."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    stale = []
    for name in SCHEMAS:
        path = OUT / f"{name}.json"
        text = schema_text(name)
        if args.check:
            if not path.is_file() or path.read_text("utf-8") != text:
                stale.append(path)
            continue
        path.write_text(text, encoding="utf-8")
        print("wrote", path.relative_to(ROOT), file=sys.stderr)
    for path in stale:
        print("out of date:", path.relative_to(ROOT), file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
