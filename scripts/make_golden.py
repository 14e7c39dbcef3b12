"""Write the golden JSON outputs of the bundled examples (tests/data/golden/), the snapshot the
issue-10 redesign must not change apart from listed additions. Run from the repository root:
``python scripts/make_golden.py``. Volatile keys (timings) are dropped."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden"
DIARY = str(ROOT / "examples" / "diary_week.csv")
PROFILE = str(ROOT / "examples" / "profile_t2d.toml")
COMMANDS = {
    "assess": ["assess", DIARY, "--profile", PROFILE, "--json"],
    "plan": ["plan", DIARY, "--profile", PROFILE, "--json"],
    "intake": ["intake", DIARY, "--json"],
    "demo": ["demo", "--json"],
}
VOLATILE = {"solve_ms", "total_ms", "source"}


def clean(x: object) -> object:
    """Drop volatile keys (timings, file paths) recursively."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items() if k not in VOLATILE}
    if isinstance(x, list):
        return [clean(v) for v in x]
    return x


def run(name: str) -> object:
    """The command's JSON output, cleaned."""
    from magnerve.cli import app

    res = CliRunner().invoke(app, COMMANDS[name])
    if res.exit_code != 0:
        raise SystemExit(f"{name} failed: {res.output}")
    return clean(json.loads(res.stdout))


def main() -> None:
    os.environ.setdefault("MAGNERVE_CONFIG_DIR", tempfile.mkdtemp())
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name in COMMANDS:
        (GOLDEN / f"{name}.json").write_text(
            json.dumps(run(name), indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        print("wrote", GOLDEN / f"{name}.json", file=sys.stderr)


if __name__ == "__main__":
    main()
