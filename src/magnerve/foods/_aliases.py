"""Per-user food aliases: typed text -> SR28 food, so a corrected line resolves the same way.

The alias file is JSON (``{"version": 1, "aliases": {"chicken nuggets": "22975"}}``) in the
user's config directory: ``$MAGNERVE_CONFIG_DIR/aliases.json`` when that variable is set, else
``$XDG_CONFIG_HOME/magnerve/aliases.json``, else ``~/.config/magnerve/aliases.json``.

Keys are the *food text* of a line, normalised: a leading amount and unit are dropped
("6 chicken nuggets" and "chicken nuggets" share the key ``"chicken nuggets"``), then the text is
lower-cased, punctuation becomes spaces and runs of spaces collapse ("Brown rice, uncooked" ->
``"brown rice uncooked"``). :func:`magnerve.foods.parse_line` consults the aliases before
searching.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import unicodedata
from pathlib import Path

from magnerve._limits import diary_limits
from magnerve.errors import InputError
from magnerve.foods._db import load_database
from magnerve.foods._portions import AmountError, parse_amount, split_unit

__all__ = [
    "AliasFileError",
    "add_alias",
    "alias_key",
    "alias_path",
    "load_aliases",
    "lookup_alias",
    "remove_alias",
    "save_aliases",
]

_FILE = "aliases.json"
_NON_WORD = re.compile(r"[^\w%]+")
_cache: dict[Path, tuple[tuple[int, int], dict[str, str]]] = {}


class AliasFileError(InputError):
    """The alias file (or its directory) cannot be read or written; the message names it."""


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")


def _nesting(text: str, limit: int) -> int:
    """Deepest bracket nesting of JSON ``text`` (outside strings), counting up to
    ``limit + 1``: refuses a deeply nested file before the recursive decoder sees it."""
    depth = deepest = 0
    for m in _BRACKETS.finditer(_JSON_STRING.sub("", text)):
        if m.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                break
        else:
            depth -= 1
    return deepest


def alias_path() -> Path:
    """Where the alias file lives (it may not exist yet).

    Returns
    -------
    pathlib.Path
        ``$MAGNERVE_CONFIG_DIR/aliases.json``, else ``$XDG_CONFIG_HOME/magnerve/aliases.json``,
        else ``~/.config/magnerve/aliases.json``.
    """
    env = os.environ.get("MAGNERVE_CONFIG_DIR")
    if env:
        return Path(env) / _FILE
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else Path.home() / ".config"
    return base / "magnerve" / _FILE


def _normalise(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower().replace("'", "").replace("’", "")
    return " ".join(_NON_WORD.sub(" ", t).split())


def alias_key(text: str) -> str:
    """The normalised food text an alias is stored under.

    Parameters
    ----------
    text : str
        A diary line or its food text: ``"6 Chicken Nuggets"``, ``"Brown rice, uncooked"``.

    Returns
    -------
    str
        ``"chicken nuggets"``, ``"brown rice uncooked"``; ``""`` when no food words remain.
    """
    t = " ".join(text.replace("\u00a0", " ").split())
    try:
        amount, rest = parse_amount(t)
    except AmountError:
        amount, rest = None, t
    if amount is not None:
        unit, food = split_unit(rest)
        t = food if unit is not None and food.strip() else rest
    return _normalise(t)


def load_aliases(path: Path | None = None) -> dict[str, str]:
    """All aliases: normalised food text -> SR28 NDB number.

    Parameters
    ----------
    path : pathlib.Path, optional
        Alias file; default :func:`alias_path`.

    Returns
    -------
    dict
        Empty when the file does not exist.

    Raises
    ------
    AliasFileError
        When the file (or its directory) exists but cannot be read or is not a valid alias
        file (also a ``ValueError``); the message names the file.
    """
    p = path or alias_path()
    try:
        st = p.stat()
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:  # the config "directory" is a file, no permission
        raise AliasFileError(f"cannot read the alias file {p}: {_reason(e)}") from None
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _cache.get(p)
    if hit is not None and hit[0] == stamp:
        return dict(hit[1])
    lim = diary_limits()
    if st.st_size > lim.max_alias_file_bytes:
        raise AliasFileError(
            f"the alias file {p} is {st.st_size:,} bytes; the limit is "
            f"{lim.max_alias_file_bytes:,} (is it an alias file?)"
        )
    try:
        with p.open("rb") as f:
            raw_bytes = f.read(lim.max_alias_file_bytes + 1)
        text = raw_bytes.decode("utf-8")
    except (OSError, ValueError) as e:  # a directory, no permission, not UTF-8
        raise AliasFileError(
            f"cannot read the alias file {p}: {_reason(e)}; fix or remove it "
            "(`magnerve alias add` writes a new one)"
        ) from None
    if len(raw_bytes) > lim.max_alias_file_bytes:
        raise AliasFileError(
            f"the alias file {p} is over the limit of {lim.max_alias_file_bytes:,} bytes"
        )
    if _nesting(text, lim.max_alias_json_depth) > lim.max_alias_json_depth:
        raise AliasFileError(
            f"{p} is not a magnerve alias file: JSON nested deeper than "
            f"{lim.max_alias_json_depth} levels"
        )
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:  # broken JSON, a 5,000-digit number
        raise AliasFileError(
            f"cannot read the alias file {p}: {_reason(e)}; fix or remove it "
            "(`magnerve alias add` writes a new one)"
        ) from None
    raw = data.get("aliases") if isinstance(data, dict) else None
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise AliasFileError(
            f"{p} is not a magnerve alias file (expected "
            '{"version": 1, "aliases": {"food text": "NDB number"}}); fix or remove it'
        )
    aliases = {_normalise(_no_surrogates(k)): _no_surrogates(v) for k, v in raw.items()}
    _cache[p] = (stamp, aliases)
    return dict(aliases)


def _reason(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e)[:200] or type(e).__name__


def _no_surrogates(text: str) -> str:
    """``text`` with lone surrogates (from a ``\\ud800`` escape) replaced by U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def save_aliases(aliases: dict[str, str], path: Path | None = None) -> Path:
    """Write all aliases (replacing the file atomically).

    Parameters
    ----------
    aliases : dict
        Food text -> SR28 NDB number; keys are normalised with :func:`alias_key`.
    path : pathlib.Path, optional
        Alias file; default :func:`alias_path`.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    AliasFileError
        When the file or its directory cannot be written.
    """
    p = path or alias_path()
    clean = {alias_key(k): v for k, v in sorted(aliases.items())}
    body = json.dumps({"version": 1, "aliases": clean}, indent=2, ensure_ascii=False)
    tmp = p.with_suffix(f".{os.getpid()}.tmp")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(body + "\n", encoding="utf-8")
        tmp.replace(p)
    except (OSError, ValueError) as e:  # the directory is a file, read-only, missing parent
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise AliasFileError(
            f"cannot write the alias file {p}: {_reason(e)} (set MAGNERVE_CONFIG_DIR to a "
            "writable directory)"
        ) from None
    _cache.pop(p, None)
    return p


def add_alias(text: str, ndb: str | int, path: Path | None = None) -> str:
    """Remember that ``text`` means the SR28 food ``ndb``.

    Parameters
    ----------
    text : str
        The line or its food text ("6 chicken nuggets" stores "chicken nuggets").
    ndb : str or int
        SR28 NDB number ("22975"; leading zeros may be omitted).
    path : pathlib.Path, optional
        Alias file; default :func:`alias_path`.

    Returns
    -------
    str
        The key stored.

    Raises
    ------
    ValueError
        When the text has no food words, or is longer than a food text may be
        (``max_food_chars`` of ``data/limits.toml``).
    AliasFileError
        When the alias file cannot be read or written.
    magnerve.foods.FoodNotFoundError
        When no SR28 food has this number.
    """
    db = load_database()
    food = db.ids[db.food_index(ndb)]
    lim = diary_limits().max_food_chars
    if len(text) > lim:
        raise ValueError(
            f"the alias text is {len(text):,} characters long; the limit is {lim:,} "
            "(a food is named in a few words)"
        )
    key = alias_key(_no_surrogates(text))
    if not key:
        raise ValueError(f"no food words in {text!r}")
    aliases = load_aliases(path)
    aliases[key] = food
    save_aliases(aliases, path)
    return key


def remove_alias(text: str, path: Path | None = None) -> bool:
    """Forget the alias of ``text``; True when there was one."""
    aliases = load_aliases(path)
    if aliases.pop(alias_key(text), None) is None:
        return False
    save_aliases(aliases, path)
    return True


def lookup_alias(text: str, path: Path | None = None) -> str | None:
    """The SR28 NDB number the user chose for this food text, or None.

    Parameters
    ----------
    text : str
        A line or its food text; matched exactly after :func:`alias_key` normalisation.
    path : pathlib.Path, optional
        Alias file; default :func:`alias_path`.

    Returns
    -------
    str or None
    """
    key = alias_key(text)
    if not key:
        return None
    try:
        return load_aliases(path).get(key)
    except ValueError:
        return None
