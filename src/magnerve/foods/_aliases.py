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

import json
import os
import re
import unicodedata
from pathlib import Path

from magnerve.foods._db import load_database
from magnerve.foods._portions import AmountError, parse_amount, split_unit

__all__ = [
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
    ValueError
        When the file exists but is not a valid alias file.
    """
    p = path or alias_path()
    try:
        st = p.stat()
    except OSError:
        return {}
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _cache.get(p)
    if hit is not None and hit[0] == stamp:
        return dict(hit[1])
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"cannot read the alias file {p}: {e}") from None
    raw = data.get("aliases") if isinstance(data, dict) else None
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise ValueError(f"{p} is not a magnerve alias file (expected an 'aliases' mapping)")
    aliases = {_normalise(k): v for k, v in raw.items()}
    _cache[p] = (stamp, aliases)
    return dict(aliases)


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
    """
    p = path or alias_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    clean = {alias_key(k): v for k, v in sorted(aliases.items())}
    body = json.dumps({"version": 1, "aliases": clean}, indent=2, ensure_ascii=False)
    tmp = p.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(body + "\n", encoding="utf-8")
    tmp.replace(p)
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
        When the text has no food words.
    magnerve.foods.FoodNotFoundError
        When no SR28 food has this number.
    """
    db = load_database()
    food = db.ids[db.food_index(ndb)]
    key = alias_key(text)
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
