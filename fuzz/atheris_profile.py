"""Coverage-guided fuzzing of the profile reader with atheris (libFuzzer for Python).

Each input is a profile file's bytes (TOML or JSON, chosen by the first byte) read with
:func:`magnerve.load_profile`. A crash is any exception other than magnerve's ``InputError``
family (a traceback for a user), or an error message holding a control character.

Install and run (``docs/fuzzing.md``)::

    pip install -e ".[fuzz]"
    python fuzz/atheris_profile.py -atheris_runs=2000            # short CI budget
    python fuzz/atheris_profile.py -max_total_time=600 /tmp/pcorpus
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris
import numpy  # noqa: F401  (heavy dependencies before instrumentation)

ROOT = Path(__file__).resolve().parents[1]

with atheris.instrument_imports(include=["magnerve"]):
    from magnerve._text import printable
    from magnerve.errors import InputError
    from magnerve.profile import load_profile


def test_one_input(data: bytes) -> None:
    """The fuzz target: any bytes as a profile file's content."""
    try:
        load_profile(data)
    except InputError as e:
        msg = str(e)
        if printable(msg) != msg:
            raise AssertionError(f"unprintable error {msg!r}") from None


def _seeds(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for k, f in enumerate(sorted((ROOT / "examples").glob("profile*.*"))):
        (directory / f"seed{k}").write_bytes(f.read_bytes())
    hostile = [
        b"[person]\nage = true\nsex = 'male'\n",
        b'{"person": {"age": 1e999, "sex": "female"}}',
        b"[labs]\nserum_magnesium = '50 mmol/L'\n",
        b"[" * 5000,
        b"[water]\nhardness = '999999 mg/L'\n",
    ]
    for k, body in enumerate(hostile):
        (directory / f"hostile{k}").write_bytes(body)


def main() -> None:
    args = list(sys.argv)
    if not [a for a in args[1:] if not a.startswith("-")]:
        default = Path(tempfile.gettempdir()) / "magnerve-fuzz-profile-seeds"
        seed_dir = Path(os.environ.get("MAGNERVE_FUZZ_PROFILE_SEEDS", default))
        _seeds(seed_dir)
        args.append(str(seed_dir))
    atheris.Setup(args, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
