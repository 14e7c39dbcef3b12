"""Food search over SR28 descriptions.

The ranker is a weighted bag-of-words model tuned to how SR28 writes food names
("Nuts, almonds, dry roasted, without salt added"): word order is ignored,
words are reduced to a singular stem, unknown words are corrected against the
SR28 vocabulary (typos, run-together words), everyday names are mapped to SR28
words through ``data/search_lexicon.toml``, and a few priors prefer the plain,
generic, unbranded food a person most likely means.

Score of food *f* for query words *q* (each with an IDF weight *w*)::

    coverage = sum(w_q * pos_f(q) for matched q) / sum(w_q * need_q)
    score    = coverage * (0.8 + 0.2 * brevity_f) + phrase + priors

``pos_f(q)`` is 1 for a word in the first two comma-separated segments of the
description and smaller further right (SR28 puts the food first and the details
after it); ``need_q`` is 1 for ordinary words and small for portion words
("medium", "slice") and optional synonym expansions; ``brevity_f`` falls with the
number of description words the query did not ask for, so "Bananas, raw" beats
"Bananas, dehydrated, or banana powder" for "banana". Priors: foods used in the
US dietary survey (SR28 ``Survey = Y``) gain a little; branded, baby, fast-food
and restaurant items lose unless the query names the brand or asks for them;
without a preparation word the usual form of the food group (vegetables raw,
grains and legumes cooked) gains a little.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import json
import math
import os
import re
import sys
from array import array
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from magnerve.foods._db import FoodDatabase, database_path, load_database

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from magnerve._sections import LexiconData

__all__ = ["SearchHit", "SearchIndex", "get_index", "normalise_word", "tokenize"]

_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?%?")
_SEGMENT = re.compile(r"[,()]")
_UPPER = re.compile(r"\b[A-Z][A-Z'’]*[A-Z]\b")
_IRREGULAR = {
    "leaves": "leaf",
    "halves": "half",
    "loaves": "loaf",
    "calves": "calf",
    "knives": "knife",
    "fishes": "fish",
    "children": "child",
    "teeth": "tooth",
    "geese": "goose",
    "feet": "foot",
    "mice": "mouse",
    "dice": "dice",
    "series": "series",
    "species": "species",
    "molasses": "molasses",
    "asparagus": "asparagus",
    "hummus": "hummus",
    "couscous": "couscous",
    "swiss": "swiss",
}

# Ranking weights. They shape the order of results only; they are not nutritional numbers.
_POS_WEIGHTS = (1.0, 1.0, 0.85, 0.75, 0.7)
_PORTION_NEED = 0.15
_OPTIONAL_NEED = 0.25
_BREVITY_RATE = 0.12
_PHRASE_BONUS = 0.06
_HEAD_PENALTY = 0.12
_HEAD_WORD_COST = 2.0
_PAREN_WORD_COST = 0.5
_SURVEY_BONUS = 0.04
_DEFAULT_PREP_BONUS = 0.04
_DEFAULT_FORM_BONUS = 0.02
_BRAND_PENALTY = 0.12
_BABY_PENALTY = 0.25
_RESTAURANT_PENALTY = 0.10
_CONFLICT_PENALTY = 0.10  # the food is in a state the query rules out ("uncooked" vs cooked)
_PROCESSED_PENALTY = 0.05  # the food is processed in a way the query does not ask (evaporated)
_DISH_PENALTY = 0.12  # the query asks for a dish ("green salad") and the food is not one
_TYPO_CUTOFF = 75.0
_TYPO_FIRST_LETTER = 10.0
_MAX_SCORE = 1.0 + _PHRASE_BONUS + _SURVEY_BONUS + _DEFAULT_PREP_BONUS + _DEFAULT_FORM_BONUS


@cache
def normalise_word(word: str) -> str:
    """Reduce a lower-case word to the singular stem used by the index.

    Parameters
    ----------
    word : str
        A lower-case word.

    Returns
    -------
    str
        The stem: ``"almonds" -> "almond"``, ``"berries" -> "berry"``,
        ``"tomatoes" -> "tomato"``, ``"peaches" -> "peach"``.
    """
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    n = len(word)
    if n <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and n > 4:
        return word[:-3] + "y"
    if word.endswith("ie") and n > 4:  # cookie/cookies, brownie/brownies -> one stem
        return word[:-2] + "y"
    if word.endswith("oes"):
        return word[:-2]
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is", "ous")):
        return word
    if word.endswith("s"):
        return word[:-1]
    return word


_SALT_PHRASES = (
    (re.compile(r"\b(?:without|no) (?:added )?salt(?: added)?\b"), " unsalted "),
    (re.compile(r"\bwith (?:added )?salt(?: added)?\b"), " salted "),
)


def tokenize(text: str) -> list[str]:
    """Split text into normalised word stems (lower case, apostrophes removed).

    "without salt (added)" / "no salt" become the single word "unsalted" and "with salt
    (added)" becomes "salted", so that "salted cashews" and "Nuts, cashew nuts, ..., with salt
    added" meet, and "unsalted" does not match "with salt".
    """
    t = text.lower().replace("'", "").replace("’", "")
    if "salt" in t:
        for pattern, repl in _SALT_PHRASES:
            t = pattern.sub(repl, t)
    return [normalise_word(w) for w in _WORD.findall(t)]


_PIECES = re.compile(r"[(),]|[^(),]+")
_PCT_RANGE = re.compile(r"(\d{1,3})\s*-\s*(\d{1,3})\s*%")
# a leading amount typed into a search ("2 tomatoes", "250ml milk", "1/2"): not a food word
_AMOUNT_TOKEN = re.compile(r"^\d+(?:\.\d+)?[a-z]*$")
_NUMBER_WORDS = frozenset(
    {
        *("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
        *("eleven", "twelve", "dozen", "couple", "few"),
    }
)


@cache
def _segment_stems(text: str) -> tuple[str, ...]:
    """Stems of one description segment; SR28 repeats segments ("raw", "cooked, boiled")."""
    return tuple(tokenize(text))


def _split_description(desc: str) -> list[tuple[bool, str, list[str]]]:
    """Split an SR28 description into (in_parentheses, text, stems) segments."""
    out: list[tuple[bool, str, list[str]]] = []
    depth = 0
    for piece in _PIECES.findall(desc):
        if piece == "(":
            depth += 1
        elif piece == ")":
            depth = max(depth - 1, 0)
        elif piece != ",":
            text = piece.strip()
            if text:
                out.append((depth > 0, text, list(_segment_stems(text))))
    return out


def _head_segment(
    segs: list[tuple[bool, str, list[str]]],
    categories: set[tuple[str, ...]],
    brand_words: set[str],
) -> int:
    """Index of the segment naming the food: the first one that is not a category
    ("Nuts", "Fish", "Cereals ready-to-eat"), not a brand and not in parentheses."""
    for k, (paren, _, stems) in enumerate(segs):
        if paren or not stems:
            continue
        if tuple(stems) in categories or all(st in brand_words for st in stems):
            continue
        return k
    return -1


_VOWELS = re.compile(r"[aeiou]+")
_DOUBLE = re.compile(r"(.)\1+")


def _consonants(word: str) -> str:
    """The consonants of a word with doubled letters collapsed: "vinager" -> "vngr"."""
    return _DOUBLE.sub(r"\1", _VOWELS.sub("", word))


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result.

    Attributes
    ----------
    id : str
        SR28 NDB number (5 characters).
    description : str
        SR28 long description.
    score : float
        Match score in [0, 1]; higher is better.
    food_group : str
        SR28 food group name.
    """

    id: str
    description: str
    score: float
    food_group: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "id": self.id,
            "description": self.description,
            "score": round(self.score, 4),
            "food_group": self.food_group,
        }


@dataclass(frozen=True, slots=True)
class _QueryWord:
    stem: str
    need: float  # weight of the word in the coverage denominator, relative to its IDF
    original: bool  # typed by the user (not added by a synonym)


def _lexicon() -> LexiconData:
    """The typed ``search_lexicon.toml`` of the active registry (validated on first load).

    The registry is imported here, not at module level: the warm ``foods search`` path never
    reads the lexicon (the cached index holds what it needs)."""
    from magnerve.registry import get_registry

    return get_registry().section("search_lexicon")


# Cache format of the built index (see get_index): bump when the stored layout changes.
_FORMAT = 1
_MAGIC = b"magnerve-search-index\n"


class _Words(Mapping[str, int]):
    """Word -> position in a newline-separated word list, decoded on first use."""

    __slots__ = ("_blob", "_pos")

    def __init__(self, blob: bytes | memoryview) -> None:
        self._blob = blob
        self._pos: dict[str, int] | None = None

    @property
    def pos(self) -> dict[str, int]:
        if self._pos is None:
            text = bytes(self._blob).decode("utf-8")
            self._pos = {w: i for i, w in enumerate(text.split("\n"))} if text else {}
        return self._pos

    def __getitem__(self, key: str) -> int:
        return self.pos[key]

    def __contains__(self, key: object) -> bool:
        return key in self.pos

    def __iter__(self) -> Iterator[str]:
        return iter(self.pos)

    def __len__(self) -> int:
        return len(self.pos)


class _Postings(Mapping[Any, Any]):
    """A read-only word -> foods mapping over flat arrays (compressed sparse rows).

    ``values`` given: the value of a word is ``(food rows, weights)``; else the food rows.
    Keys are strings, or word pairs (stored as ``"a b"``) when ``pairs`` is true.
    """

    __slots__ = ("_bound", "_off", "_pairs", "_rows", "_table", "_values", "_words")

    def __init__(
        self,
        words: _Words,
        off: Sequence[int],
        rows: Sequence[int],
        values: Sequence[int] | None = None,
        table: Sequence[float] = (),
        *,
        pairs: bool = False,
        bound: int = 0,
    ) -> None:
        self._words, self._off, self._rows = words, off, rows
        self._values, self._table, self._pairs = values, table, pairs
        self._bound = bound  # number of foods: every row must be below it

    def _key(self, key: object) -> object:
        if self._pairs and isinstance(key, tuple):
            return " ".join(key)
        return key

    def __getitem__(self, key: Any) -> Any:
        k = self._words.pos[self._key(key)]  # type: ignore[index]
        a, b = self._off[k], self._off[k + 1]
        rows = self._rows[a:b]
        if rows and max(rows) >= self._bound:  # only a hand-made file can get here
            raise ValueError("search index: food row out of range")
        if self._values is None:
            return rows
        table = self._table
        return rows, [table[c] for c in self._values[a:b]]

    def __contains__(self, key: object) -> bool:
        return self._key(key) in self._words.pos

    def __iter__(self) -> Iterator[Any]:
        if self._pairs:
            return (tuple(k.split(" ")) for k in self._words.pos)
        return iter(self._words.pos)

    def __len__(self) -> int:
        return len(self._words.pos)


class _Floats(Mapping[str, float]):
    """Word -> float over a word list and a float array (the IDF of each indexed word)."""

    __slots__ = ("_values", "_words")

    def __init__(self, words: _Words, values: Sequence[float]) -> None:
        self._words, self._values = words, values

    def __getitem__(self, key: str) -> float:
        return float(self._values[self._words.pos[key]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._words.pos)

    def __len__(self) -> int:
        return len(self._words.pos)


def _csr(
    mapping: Mapping[str, Any], *, sort: bool = False
) -> tuple[bytes, list[int], list[int], list[float] | None]:
    """Flatten word -> {row: value} (or word -> rows) into (words, offsets, rows, values)."""
    keys = sorted(mapping) if sort else list(mapping)
    off = [0]
    rows: list[int] = []
    values: list[float] | None = [] if keys and isinstance(mapping[keys[0]], dict) else None
    for k in keys:
        entry = mapping[k]
        if isinstance(entry, dict):
            rows.extend(entry)
            assert values is not None
            values.extend(entry.values())
        else:
            rows.extend(entry)
        off.append(len(rows))
    return "\n".join(keys).encode("utf-8"), off, rows, values


def _build_state(db: FoodDatabase) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Build the index from the database: plain data (JSON-able) and flat arrays (bytes)."""
    from magnerve.foods._units import unit_registry

    lex = _lexicon()
    n = len(db)
    classes = lex.classes
    stop = set(classes["stopwords"])
    portion = {normalise_word(w) for w in classes["portion"]}
    prep = {normalise_word(w) for w in classes["preparation"]}
    baby_words = {normalise_word(w) for w in classes["baby"]}
    not_brand = set(classes["not_brand"])
    synonyms: dict[tuple[str, ...], tuple[str, ...]] = {}
    for table in (lex.synonyms, lex.everyday):  # [synonyms] wins over [everyday]
        for phrase, target in table.items():
            key = tuple(w for w in tokenize(phrase) if w not in stop)
            if key and key not in synonyms:
                synonyms[key] = tuple(w for w in tokenize(target) if w not in stop)
    defaults: dict[tuple[str, ...], tuple[str, ...]] = {}
    for table in (lex.defaults, lex.everyday_defaults):
        for phrase, target in table.items():
            key = tuple(w for w in tokenize(phrase) if w not in stop)
            if key and key not in defaults:
                defaults[key] = tuple(w for w in tokenize(target) if w not in stop)
    unit_words = {st for name in unit_registry() for st in tokenize(name) if not st.isdigit()} - {
        "t",
        "c",
    }
    dish = {normalise_word(w) for w in classes.get("dish", ())}
    measure = {st for w in classes["measure_words"] for st in tokenize(w)}
    equivalents = {
        normalise_word(k): {st for w in v for st in tokenize(w)} for k, v in lex.equivalents.items()
    }
    neutral = {normalise_word(w) for w in classes["neutral"]}
    categories = {tuple(tokenize(c)) for c in classes["category_heads"]}
    prep_by_group = {
        code: {normalise_word(w) for w in words} for code, words in lex.default_preparation.items()
    }
    parsed = [_split_description(d) for d in db.descriptions]

    # Brand words: words SR28 only ever writes in capitals (KELLOGG'S, CHEERIOS).
    upper_only: dict[str, bool] = {}
    upper_words: list[set[str]] = []
    for desc, segs in zip(db.descriptions, parsed, strict=True):
        uppers = {st for rw in _UPPER.findall(desc) if rw not in not_brand for st in tokenize(rw)}
        upper_words.append(uppers)
        for _, _, stems in segs:
            for st in stems:
                upper_only[st] = upper_only.get(st, True) and st in uppers
    brand_words = {w for w, only in upper_only.items() if only}

    postings: dict[str, dict[int, float]] = {}
    costs: dict[str, dict[int, float]] = {}
    head_post: dict[str, set[int]] = {}
    bigrams: dict[tuple[str, str], set[int]] = {}
    total_cost = [0.0] * n
    default_prep = [False] * n
    for i, segs in enumerate(parsed):
        head_k = _head_segment(segs, categories, brand_words)
        pairs: set[tuple[str, str]] = set()
        prev: list[str] = []
        word_cost: dict[str, float] = {}
        for k, (paren, seg_text, stems) in enumerate(segs):
            stems = [st for st in stems if st not in stop]
            if "other than" in seg_text.lower():
                # "tea, herb, other than chamomile": the words after it are not the food
                before = seg_text.lower().split("other than")[0]
                stems = [st for st in tokenize(before) if st not in stop]
            # a phrase inside a segment reads in order ("Peanut butter"); across a comma
            # SR28 inverts it: "Milk, chocolate" is chocolate milk, not milk chocolate
            pairs.update(pairwise(stems))
            if prev and stems:
                pairs.add((stems[0], prev[-1]))
            prev = stems or prev
            seg_pw = _POS_WEIGHTS[min(k, len(_POS_WEIGHTS) - 1)]
            for st in stems:
                # SR28 always puts the preparation last: its position says nothing
                pw = 1.0 if st in prep else seg_pw
                p = postings.setdefault(st, {})
                if p.get(i, 0.0) < pw:
                    p[i] = pw
                if st in neutral or st in stop:
                    c = 0.0
                elif k == head_k and not paren:
                    c = _HEAD_WORD_COST
                elif paren:
                    c = _PAREN_WORD_COST
                else:
                    c = 1.0
                word_cost[st] = max(word_cost.get(st, 0.0), c)
            for m in _PCT_RANGE.finditer(segs[k][1]):
                lo, hi = int(m.group(1)), int(m.group(2))
                for pct in range(lo, min(hi, lo + 100) + 1):  # "70-85%" matches "70%"
                    p = postings.setdefault(f"{pct}%", {})
                    p[i] = max(p.get(i, 0.0), seg_pw)
            if (k == head_k or paren) and stems:
                alt_heads = stems if paren else stems[-1:]
                for st in alt_heads:
                    head_post.setdefault(st, set()).add(i)
        if head_k < 0:
            head_post.setdefault("", set()).add(i)  # no head: never penalised
        for st, c in word_cost.items():
            costs.setdefault(st, {})[i] = c
        total_cost[i] = sum(word_cost.values())
        for pair in pairs:
            bigrams.setdefault(pair, set()).add(i)
        common = db.common_names[i]
        if common:
            for st in tokenize(common):
                if st not in stop:
                    postings.setdefault(st, {}).setdefault(i, _POS_WEIGHTS[-1])
                    head_post.setdefault(st, set()).add(i)
        wanted = prep_by_group.get(db.group_codes[i])
        if wanted and any(wanted & set(stems) for _, _, stems in segs):
            default_prep[i] = True

    # a query word SR28 writes in several ways matches any of them ("uncooked" -> raw, dry)
    for eq_key, words in equivalents.items():
        merged_p: dict[int, float] = {}
        merged_c: dict[int, float] = {}
        merged_h: set[int] = set()
        for w in words | {eq_key}:
            for i, pw in postings.get(w, {}).items():
                merged_p[i] = max(merged_p.get(i, 0.0), pw)
            for i, c in costs.get(w, {}).items():
                merged_c[i] = max(merged_c.get(i, 0.0), c)
            merged_h |= head_post.get(w, set())
        if merged_p:
            postings[eq_key] = merged_p
            costs[eq_key] = merged_c
            head_post[eq_key] = merged_h

    headless = sorted(head_post.pop("", set()))
    brand = [
        bool(m) or bool(u & brand_words) for m, u in zip(db.manufacturers, upper_words, strict=True)
    ]
    baby = [
        g == "0300" or any(baby_words & set(st) for _, _, st in segs)
        for g, segs in zip(db.group_codes, parsed, strict=True)
    ]
    default_form_words = {normalise_word(w) for w in classes["default_form"]}
    default_form = [any(default_form_words & set(st) for _, _, st in segs) for segs in parsed]
    restaurant = [g in ("2100", "3600") for g in db.group_codes]
    stem_sets = [{st for _, _, stems in segs for st in stems} for segs in parsed]

    def having(words: set[str]) -> list[bool]:
        return [bool(words & ss) for ss in stem_sets]

    conflicts = {
        normalise_word(k): having({st for w in v for st in tokenize(w)})
        for k, v in lex.state_conflicts.items()
    }
    processed_words = {st for w in classes.get("processed", ()) for st in tokenize(w)}
    processed_ok = having({st for w in classes.get("processed_ok", ()) for st in tokenize(w)})
    processed = {
        w: [h and not ok for h, ok in zip(having({w}), processed_ok, strict=True)]
        for w in sorted(processed_words)
    }
    processed_any = [any(col) for col in zip(*processed.values(), strict=True)] or [False] * n

    arrays: dict[str, bytes] = {}
    meta: dict[str, Any] = {"n": n, "tables": {}}

    def put_rows(name: str, rows: Sequence[int]) -> None:
        arrays[name] = array("I", rows).tobytes()

    def put_floats(name: str, values: Sequence[float]) -> None:
        table = sorted(set(values))
        if len(table) <= 256:  # store codes into a table of the (few) distinct values
            code = {v: c for c, v in enumerate(table)}
            arrays[name] = bytes(code[v] for v in values)
            meta["tables"][name] = table
        else:
            arrays[name] = array("d", values).tobytes()

    def put_flags(name: str, flags: Sequence[bool]) -> None:
        arrays[name] = bytes(bytearray(bool(f) for f in flags))

    for name, mapping, sort in (
        ("post", postings, False),
        ("cost", costs, False),
        ("head", {w: sorted(v) for w, v in head_post.items()}, False),
        ("bigram", {" ".join(k): sorted(v) for k, v in bigrams.items()}, True),
    ):
        words_blob, off, rows, values = _csr(mapping, sort=sort)
        arrays[f"{name}.words"] = words_blob
        put_rows(f"{name}.off", off)
        put_rows(f"{name}.rows", rows)
        if values is not None:
            put_floats(f"{name}.values", values)
    arrays["idf"] = array("d", [math.log(1.0 + n / len(p)) for p in postings.values()]).tobytes()
    put_rows("headless", headless)
    put_floats("total_cost", total_cost)
    for name, flags in (
        ("survey", db.survey),
        ("brand", brand),
        ("baby", baby),
        ("restaurant", restaurant),
        ("default_prep", default_prep),
        ("default_form", default_form),
        ("processed_any", processed_any),
    ):
        put_flags(f"flag.{name}", flags)
    for w, flags in conflicts.items():
        put_flags(f"conflict.{w}", flags)
    for w, flags in processed.items():
        put_flags(f"processed.{w}", flags)
    meta.update(
        stop=sorted(stop),
        portion=sorted(portion),
        prep=sorted(prep),
        baby_words=sorted(baby_words),
        synonyms=[[list(k), list(v)] for k, v in synonyms.items()],
        defaults=[[list(k), list(v)] for k, v in defaults.items()],
        unit_words=sorted(unit_words),
        dish=sorted(dish),
        measure=sorted(measure),
        equivalents={k: sorted(v) for k, v in equivalents.items()},
        neutral=sorted(neutral),
        brand_words=sorted(brand_words),
        conflicts=list(conflicts),
        processed=list(processed),
    )
    return meta, arrays


def _pack(meta: dict[str, Any], arrays: dict[str, bytes], key: str) -> bytes:
    """The cache file: magic, then the SHA-256 of the body, then the body (a JSON header
    giving the format, key, plain data and the place of each array, then the arrays)."""
    layout = []
    chunks = []
    pos = 0
    for name, data in arrays.items():
        pad = -pos % 8
        chunks.append(b"\0" * pad)
        pos += pad
        layout.append([name, pos, len(data)])
        chunks.append(data)
        pos += len(data)
    header = {
        "format": _FORMAT,
        "key": key,
        "byteorder": sys.byteorder,
        "itemsize": [array("I").itemsize, array("d").itemsize],
        "meta": meta,
        "arrays": layout,
    }
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    body = len(head).to_bytes(8, "little") + head + b"".join(chunks)
    return _MAGIC + hashlib.sha256(body).digest() + body


def _unpack(blob: bytes, key: str) -> tuple[dict[str, Any], dict[str, memoryview]]:
    """Check and open a cache file (raises ValueError for anything unexpected)."""
    if not blob.startswith(_MAGIC):
        raise ValueError("not a magnerve search index")
    start = len(_MAGIC) + 32
    body = memoryview(blob)[start:]
    if hashlib.sha256(body).digest() != blob[len(_MAGIC) : start]:
        raise ValueError("checksum mismatch")
    n_head = int.from_bytes(body[:8], "little")
    header = json.loads(bytes(body[8 : 8 + n_head]))
    if (
        not isinstance(header, dict)
        or header.get("format") != _FORMAT
        or header.get("key") != key
        or header.get("byteorder") != sys.byteorder
        or header.get("itemsize") != [array("I").itemsize, array("d").itemsize]
    ):
        raise ValueError("stale or foreign index")
    data = body[8 + n_head :]
    arrays: dict[str, memoryview] = {}
    for name, pos, size in header["arrays"]:
        if not (isinstance(pos, int) and isinstance(size, int) and 0 <= pos <= pos + size):
            raise ValueError("bad layout")
        if pos + size > len(data):
            raise ValueError("truncated")
        arrays[str(name)] = data[pos : pos + size]
    meta = header["meta"]
    if not isinstance(meta, dict):
        raise ValueError("bad header")
    return meta, arrays


class SearchIndex:
    """Inverted index over SR28 long descriptions and common names.

    Built from the database (a few hundred milliseconds) or opened from the cache written by
    :func:`get_index`. The index is plain Python data over flat arrays: opening it and
    searching need neither numpy nor the nutrient matrix.
    """

    def __init__(self, db: FoodDatabase) -> None:
        meta, raw = _build_state(db)
        arrays = {k: memoryview(v) for k, v in raw.items()}
        self._open(db, meta, arrays)

    @classmethod
    def _from_state(
        cls, db: FoodDatabase, meta: dict[str, Any], arrays: dict[str, memoryview]
    ) -> SearchIndex:
        index = cls.__new__(cls)
        index._open(db, meta, arrays)
        return index

    def _open(self, db: FoodDatabase, meta: dict[str, Any], arrays: dict[str, memoryview]) -> None:
        """Set the attributes from stored data, checking every shape (ValueError if wrong)."""
        n = meta["n"]
        if not isinstance(n, int) or n < 0:
            raise ValueError("bad food count")
        tables: dict[str, list[float]] = meta["tables"]

        def rows(name: str) -> Sequence[int]:
            return arrays[name].cast("I")

        def floats(name: str, size: int) -> Sequence[float]:
            raw = arrays[name]
            if name in tables:
                table = [float(x) for x in tables[name]]
                if len(raw) != size or (size and max(raw) >= len(table)):
                    raise ValueError(f"{name}: bad codes")
                return [table[c] for c in raw]
            v = arrays[name].cast("d")
            if len(v) != size:
                raise ValueError(f"{name}: wrong size")
            return v

        def flags(name: str) -> bytes:
            v = bytes(arrays[name])
            if len(v) != n:
                raise ValueError(f"{name}: wrong size")
            return v

        def postings(name: str, *, pairs: bool = False) -> _Postings:
            # Cheap checks only (the checksum already vouches for the content): sizes that
            # agree; rows are checked against the food count when a word is looked up.
            words = _Words(arrays[f"{name}.words"])
            off = rows(f"{name}.off")
            flat = rows(f"{name}.rows")
            if not off or off[0] != 0 or off[-1] != len(flat):
                raise ValueError(f"{name}: bad offsets")
            n_words = arrays[f"{name}.words"].tobytes().count(b"\n") + 1 if len(off) > 1 else 0
            if n_words != len(off) - 1:
                raise ValueError(f"{name}: word count")
            values_name = f"{name}.values"
            if values_name not in arrays:
                return _Postings(words, off, flat, pairs=pairs, bound=n)
            raw = arrays[values_name]
            if len(raw) != len(flat):
                raise ValueError(f"{name}: wrong size")
            if values_name in tables:
                table = [float(x) for x in tables[values_name]]
                table += [math.nan] * (256 - len(table))  # every byte is a valid code
                return _Postings(words, off, flat, raw, table, pairs=pairs, bound=n)
            vals = raw.cast("d")
            if len(vals) != len(flat):
                raise ValueError(f"{name}: wrong size")
            return _Postings(words, off, flat, range(len(flat)), vals, pairs=pairs, bound=n)

        def words(key: str) -> set[str]:
            return {str(w) for w in meta[key]}

        self.db = db
        self._n = n
        self._stop = words("stop")
        self._portion = words("portion")
        self._prep = words("prep")
        self._baby_words = words("baby_words")
        self._synonyms = {tuple(k): tuple(v) for k, v in meta["synonyms"]}
        self._max_phrase = max((len(k) for k in self._synonyms), default=1)
        self._defaults = {tuple(k): tuple(v) for k, v in meta["defaults"]}
        self._synonym_words = {w for k in (*self._synonyms, *self._defaults) for w in k}
        self._unit_words = words("unit_words")
        self._dish = words("dish")
        self._measure = words("measure")
        self._equivalents: dict[str, set[str]] = {
            str(k): set(v) for k, v in meta["equivalents"].items()
        }
        self._neutral = words("neutral")
        self._brand_words = words("brand_words")
        self._postings = postings("post")
        self._costs = postings("cost")
        self._head_post = postings("head")
        self._bigrams = postings("bigram", pairs=True)
        idf = arrays["idf"].cast("d")
        if len(idf) != len(self._postings._off) - 1:
            raise ValueError("idf: wrong size")
        self._idf = _Floats(self._postings._words, idf)
        self._headless = rows("headless")
        self._total_cost = floats("total_cost", n)
        self._survey = flags("flag.survey")
        self._brand = flags("flag.brand")
        self._baby = flags("flag.baby")
        self._restaurant = flags("flag.restaurant")
        self._default_prep = flags("flag.default_prep")
        self._default_form = flags("flag.default_form")
        self._processed_any = flags("flag.processed_any")
        self._conflicts = {str(w): flags(f"conflict.{w}") for w in meta["conflicts"]}
        self._processed = {str(w): flags(f"processed.{w}") for w in meta["processed"]}
        self._typo_cache: dict[str, list[str]] = {}
        self._vocab_list: list[str] | None = None
        self._completions: _Completions | None = None

    @property
    def _vocab(self) -> list[str]:
        # a typo is corrected into a food word, never into a portion or unit word
        # ("lager" is not "large", "punnet" not "pint")
        if self._vocab_list is None:
            self._vocab_list = sorted(set(self._postings) - self._portion - self._unit_words)
        return self._vocab_list

    # -- food classes (public: the plan filters candidates with them) ---------------------
    def is_brand(self, i: int) -> bool:
        """True for a branded food (manufacturer or brand word in its description)."""
        return bool(self._brand[i])

    def is_baby(self, i: int) -> bool:
        """True for a baby food."""
        return bool(self._baby[i])

    def is_restaurant(self, i: int) -> bool:
        """True for a restaurant or fast food."""
        return bool(self._restaurant[i])

    # -- query analysis -------------------------------------------------------------------
    def _correct(self, word: str) -> list[str]:
        """Map a word unknown to SR28 onto known words (split compounds, then fix typos)."""
        if word in self._typo_cache:
            return self._typo_cache[word]
        from rapidfuzz import fuzz, process
        from rapidfuzz.distance import DamerauLevenshtein

        out: list[str] = []
        if word.isalpha() and len(word) >= 6:
            for cut in range(3, len(word) - 2):
                a, b = normalise_word(word[:cut]), normalise_word(word[cut:])
                # "peanutbutter", "icecream"; not "seared" -> "sea red": short halves must be
                # a phrase SR28 writes
                if (
                    a in self._postings
                    and b in self._postings
                    and (min(cut, len(word) - cut) >= 4 or (a, b) in self._bigrams)
                ):
                    out = [a, b]
                    break
        if not out and word.isalpha() and len(word) >= 4:
            cands = process.extract(
                word,
                self._vocab,
                scorer=fuzz.ratio,
                score_cutoff=_TYPO_CUTOFF - _TYPO_FIRST_LETTER,
                limit=10,
            )
            # Only near-certain corrections: an unknown word is more often a food name SR28
            # does not use ("ghee", "basmati", "mahi") than a typo, and a wrong correction
            # invents a food. A typo keeps the first letter, is one edit away (two in a long
            # word; a swap of neighbours is one edit), and in a short word drops a letter
            # rather than adds one ("bred" -> bread, but "earl" is not "ear").
            # In a word of 6-7 letters two edits are accepted only as misspelt vowels or
            # doubled letters ("vinager", "omlette"), not changed consonants ("sticky" is not
            # "spicy", "passata" not "pasta").
            max_edits = 1 if len(word) <= 5 else 2
            scored = []
            for c in cands:
                target = c[0]
                if target[0] != word[0] or target.isdigit():
                    continue
                edits = DamerauLevenshtein.distance(word, target)
                if edits > max_edits:
                    continue
                if len(word) <= 5 and len(target) < len(word):
                    continue
                if (
                    edits == 2
                    and len(word) <= 7
                    and (_consonants(word) != _consonants(target) or len(target) < len(word) - 1)
                ):
                    continue
                scored.append((-edits, c[1], len(self._postings[target][0]), target))
            if scored:
                out = [max(scored)[3]]
        self._typo_cache[word] = out
        return out

    def analyse(self, query: str) -> list[_QueryWord]:
        """Turn a query into weighted SR28 word stems.

        Amounts typed into the query ("2", "250ml", "two") are dropped and unit words ("cup",
        "tbsp") weigh like portion words, so "2 tomatoes" searches like "tomatoes".
        """
        words = []
        tokens = tokenize(query)
        # a measure word followed by "of" names the portion, not the food: "a clove of garlic",
        # "an ear of corn", "a square of chocolate", "a knob of butter"
        measured = {
            w
            for w, nxt in pairwise(tokens)
            if nxt == "of" and (w in self._measure or w in self._portion or w in self._unit_words)
        }
        for w in tokens:
            if w in self._stop or w in _NUMBER_WORDS:
                continue
            if _AMOUNT_TOKEN.match(w) and (
                w.rstrip("0123456789.") in self._unit_words or w.rstrip("0123456789.") == ""
            ):
                continue
            if w in self._postings or w in self._synonym_words or not w.isalpha():
                words.append(w)
            elif w in self._unit_words or w in self._portion or w in measured:
                words.append(w)  # never "corrected" into a food word
            else:
                words.extend(self._correct(w) or [w])
        joined: list[str] = []
        for w in words:  # "go lean" -> "golean", "soy milk" -> "soymilk" when SR28 writes so
            if joined and joined[-1] + w in self._postings and w not in self._portion:
                joined[-1] = joined[-1] + w
            else:
                joined.append(w)
        words = joined
        light = self._portion | self._unit_words | measured
        core = tuple(w for w in words if w not in light)
        whole = self._defaults.get(core) if core and core != tuple(words) else None
        if whole is not None:  # "a handful of almonds": the default of the food words alone
            words = [*core, *(w for w in words if w in light)]
        else:
            whole = self._defaults.get(tuple(words))
        n_whole = len(core) if core != tuple(words) else len(words)
        result: list[_QueryWord] = []
        i = 0
        while i < len(words):
            for size in range(min(self._max_phrase, len(words) - i), 0, -1):
                key = tuple(words[i : i + size])
                target = whole if whole is not None and i == 0 and size == n_whole else None
                target = target or self._synonyms.get(key)
                if target is not None:
                    typed = set(key)
                    for t in target:
                        opt = bool(typed & set(target)) and t not in typed
                        need = _OPTIONAL_NEED if opt else 1.0
                        result.append(_QueryWord(t, need, not opt))
                    i += size
                    break
            else:
                w = words[i]
                i += 1
                need = _PORTION_NEED if w in light else 1.0
                result.append(_QueryWord(w, need, True))  # unknown words count against all
        uniq: dict[str, _QueryWord] = {}
        for qw in result:
            old = uniq.get(qw.stem)
            if old is None or qw.need > old.need:
                uniq[qw.stem] = qw
        return list(uniq.values())

    # -- ranking --------------------------------------------------------------------------
    def _candidate_scores(self, query: str, only: Container[int] | None = None) -> dict[int, float]:
        """Scores of the foods matching at least one query word (row -> score).

        Plain Python over the (few) foods that match: each operation is the one a dense
        array formula over all foods would do, in the same order, so the scores are
        bit-for-bit those of :meth:`scores`. ``only`` given: score only those foods (their
        scores are the same as without it; :meth:`suggest` uses it to skip foods another
        completion already scored).
        """
        qwords = self.analyse(query)
        n = self._n
        matched: dict[int, float] = {}
        paid: dict[int, float] = {}
        head_lists: list[Sequence[int]] = []
        denom = 0.0
        stems = [q.stem for q in qwords]
        for q in qwords:
            idf = self._idf.get(q.stem, math.log(1.0 + n))
            denom += idf * q.need
            post = self._postings.get(q.stem)
            if post is None:
                continue
            idx, pw = post
            f = min(q.need, 1.0)
            for i, w in zip(idx, pw, strict=True):
                matched[i] = matched.get(i, 0.0) + idf * w * f
            cpost = self._costs.get(q.stem)
            if cpost is not None:
                for i, c in zip(*cpost, strict=True):
                    paid[i] = paid.get(i, 0.0) + c
            hp = self._head_post.get(q.stem)
            if hp is not None:
                head_lists.append(hp)
        if only is not None:
            matched = {i: m for i, m in matched.items() if i in only}
        if denom == 0.0 or not matched:
            return {}
        head_ok = set(self._headless)
        for hp in head_lists:
            head_ok.update(hp)
        phrase_sets = []
        for pair in pairwise(stems):
            idx_b = self._bigrams.get(pair)
            if idx_b is not None:
                phrase_sets.append(set(idx_b))
        qset = set(stems)
        plain = not qset & self._brand_words
        no_baby = not qset & self._baby_words
        no_prep = not qset & self._prep
        asked = set(qset)
        for st in qset:
            asked |= self._equivalents.get(st, set())
        conflicts = [
            c
            for q in qwords  # only words the user typed; a synonym's extra words may disagree
            if q.original and (c := self._conflicts.get(q.stem)) is not None
        ]
        if asked & self._processed.keys():
            proc_flags = [has for w, has in self._processed.items() if w not in asked]
        else:
            proc_flags = [self._processed_any]
        # the usual case, one flag array: read it directly (``any`` over one array per food
        # was a tenth of a search)
        proc_one = proc_flags[0] if len(proc_flags) == 1 else None
        # a dish ("green salad", "lentil soup"): foods that only mention it lose
        food_words = [q.stem for q in qwords if q.original and q.need >= 1.0]
        dish_heads: set[int] | None = None
        if food_words and food_words[-1] in self._dish:
            dish_heads = set(self._head_post.get(food_words[-1], []))
        total_cost = self._total_cost
        survey, brand, restaurant = self._survey, self._brand, self._restaurant
        baby, default_prep, default_form = self._baby, self._default_prep, self._default_form
        out: dict[int, float] = {}
        for i, m in matched.items():
            coverage = min(m / denom, 1.0)
            extra = max(total_cost[i] - paid.get(i, 0.0), 0.0)
            brevity = 1.0 / (1.0 + _BREVITY_RATE * extra)
            s = coverage * (0.8 + 0.2 * brevity)
            s -= _HEAD_PENALTY * (i not in head_ok)
            for ps in phrase_sets:
                if i in ps:
                    s += _PHRASE_BONUS
            s += _SURVEY_BONUS * survey[i]
            if plain:
                s -= _BRAND_PENALTY * brand[i]
                s -= _RESTAURANT_PENALTY * restaurant[i]
            if no_baby:
                s -= _BABY_PENALTY * baby[i]
            if no_prep:
                s += _DEFAULT_PREP_BONUS * default_prep[i]
            s += _DEFAULT_FORM_BONUS * default_form[i]
            for c in conflicts:
                s -= _CONFLICT_PENALTY * c[i]
            if proc_one is not None:
                s -= _PROCESSED_PENALTY * (proc_one[i] != 0)
            else:
                s -= _PROCESSED_PENALTY * any(has[i] for has in proc_flags)
            if dish_heads is not None:
                s -= _DISH_PENALTY * (i not in dish_heads)
            out[i] = s
        return out

    def scores(self, query: str) -> npt.NDArray[np.float64]:
        """Score every food for ``query`` (``-inf`` for foods matching no query word)."""
        import numpy as np

        score = np.full(self._n, -np.inf)
        cand = self._candidate_scores(query)
        if cand:
            score[np.fromiter(cand, dtype=np.intp, count=len(cand))] = np.fromiter(
                cand.values(), dtype=np.float64, count=len(cand)
            )
        return score

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        """Best ``limit`` foods for ``query``, best first."""
        if limit <= 0 or not query.strip():
            return []
        cand = self._candidate_scores(query)
        if not cand:
            return []
        total_cost = self._total_cost
        # best score first; ties: fewer extra words, then SR28 order (independent of limit)
        order = heapq.nsmallest(limit, cand, key=lambda i: (-cand[i], total_cost[i], i))
        rows = self.db.food_rows(order)
        return [
            SearchHit(ndb, desc, float(min(max(cand[i] / _MAX_SCORE, 0.0), 1.0)), group)
            for i, (ndb, desc, group) in zip(order, rows, strict=True)
        ]

    # -- autocomplete ---------------------------------------------------------------------
    def suggest(self, text: str, limit: int = 8) -> list[SearchHit]:
        """Best ``limit`` foods for ``text`` being typed: its last word may be unfinished.

        The words before the last are read as :meth:`search` reads them. The last word, when
        the text ends in it (no space after it), is completed to the words that start with
        it (:meth:`_Completions.expand`): the next word of an everyday-lexicon phrase begun by
        the words before it, the typed word itself when it is a whole word, then SR28 and
        lexicon words found with the words before it, then the commoner in survey foods; at
        most ``_SUGGEST_MAX_EXPANSIONS`` of them and within a work bound. Each completed text
        is ranked by the search ranker and the results are merged: a food keeps its best
        score, less ``_SUGGEST_RANK_STEP`` per place of the completion, and less
        ``_SUGGEST_WHOLE_LEAD`` when the typed word was whole and the completion is another
        word. A text ending in a space, a number or punctuation is searched as it is.
        """
        if limit <= 0:
            return []
        low = text[-_SUGGEST_MAX_CHARS:].lower().replace("'", "").replace("’", "")
        spans = list(_WORD.finditer(low))[-_SUGGEST_MAX_WORDS:]
        if sum(m.end() - m.start() for m in spans) < _SUGGEST_MIN_CHARS:
            return []
        words = [m.group() for m in spans]
        last = spans[-1]
        if last.end() != len(low) or not last.group().isalpha():
            return self.search(" ".join(words), limit)  # the last word is finished
        prefix, context = words[-1], " ".join(words[:-1])
        comp = self._completions
        if comp is None:
            comp = self._completions = _Completions(self)
        ctx_words = self.analyse(context) if context else []
        ctx_stems = {q.stem for q in ctx_words}
        food_stems = [
            q.stem for q in ctx_words if q.original and q.need >= 1.0 and q.stem in self._postings
        ]
        if len(prefix) < _SUGGEST_MIN_CHARS and not food_stems:
            return []
        expansions = comp.expand(prefix, food_stems, words[:-1])
        if not expansions:  # no word starts so: perhaps a typo, searched as it is
            return self.search(" ".join(words), limit)
        any_preferred = expansions[0][1]
        top = max((p for _, pref, p in expansions if not pref), default=0.0)
        ctx_work = sum(comp.df(st) for st in ctx_stems)
        merged: dict[int, float] = {}
        source: dict[int, int] = {}
        work = 0
        for rank, (word, preferred, pop) in enumerate(expansions):
            query = f"{context} {word}" if context else word
            new = {q.stem for q in self.analyse(query)} - ctx_stems
            only = comp.rows_of(new) if new else None
            cand = self._candidate_scores(query, only)
            handicap = _SUGGEST_RANK_STEP * rank
            if not preferred:
                handicap += _SUGGEST_POP_WEIGHT * math.log((top + 1.0) / (pop + 1.0))
                if any_preferred:
                    handicap += _SUGGEST_WHOLE_LEAD
            for i, sc in cand.items():
                sc -= handicap
                if sc > merged.get(i, -math.inf):
                    merged[i] = sc
                    source[i] = rank
            work += ctx_work + sum(comp.df(st) for st in new)
            if work > _SUGGEST_WORK and rank + 1 >= _SUGGEST_MIN_RUNS:
                break
        if not merged:
            return []
        total_cost = self._total_cost

        def best(i: int) -> tuple[float, float, int]:
            return (-merged[i], total_cost[i], i)

        # at most half the places (rounded up) for one completion while others have foods
        cap = (limit + 1) // 2
        order: list[int] = []
        later: list[int] = []
        per: dict[int, int] = {}
        for i in sorted(merged, key=best):
            if per.get(source[i], 0) < cap:
                per[source[i]] = per.get(source[i], 0) + 1
                order.append(i)
                if len(order) == limit:
                    break
            elif len(later) < limit:
                later.append(i)
        order = sorted(order + later[: limit - len(order)], key=best)
        rows = self.db.food_rows(order)
        return [
            SearchHit(ndb, desc, float(min(max(merged[i] / _MAX_SCORE, 0.0), 1.0)), group)
            for i, (ndb, desc, group) in zip(order, rows, strict=True)
        ]


# Autocomplete bounds and ranking weights: they shape latency and the order of suggestions
# only; they are not nutritional numbers.
_SUGGEST_MIN_CHARS = 2  # fewer letters/digits typed: nothing to suggest yet
_SUGGEST_MAX_CHARS = 400  # only the end of a (hostile) long text is read
_SUGGEST_MAX_WORDS = 8  # ... and only its last words
_SUGGEST_MAX_EXPANSIONS = 20  # completions of the last word ranked per call
_SUGGEST_WORK = 2_000  # food postings visited per call over all completions (latency bound)
_SUGGEST_MIN_RUNS = 3  # completions ranked whatever the work
_SUGGEST_RANK_STEP = 0.004  # score a completion gives up per place in the usefulness order
_SUGGEST_WHOLE_LEAD = 0.06  # ... and when the typed word is whole and it is another word
_SUGGEST_POP_WEIGHT = 0.05  # ... and per unit of log popularity below the most popular one
_SUGGEST_CONTEXT_FOODS = 600  # foods of the earlier words counted one by one up to this many
_SUGGEST_PREFILTER = 60  # else only this many commonest completions are counted
_SUGGEST_HEAD_WEIGHT = 1.0  # usefulness: generic survey foods the word names (head noun) ...
_SUGGEST_ANY_WEIGHT = 0.25  # ... plus generic survey foods that mention it ...
_SUGGEST_DF_WEIGHT = 0.01  # ... plus all foods that mention it (a tie-break)
_SUGGEST_LEXICON_NAMED = 0.5  # a lexicon-only name counts half of the foods its phrases name


def _plain_words(text: str) -> list[str]:
    """Lower-case words of a text as typed (apostrophes removed, not stemmed)."""
    return _WORD.findall(text.lower().replace("'", "").replace("’", ""))


class _Completions:
    """Words a typed prefix may complete to: SR28 description words and lexicon words.

    Made on the first :meth:`SearchIndex.suggest` call from the open index (a few tenths of
    a second); the foods of each word are then gathered on first use.
    """

    def __init__(self, index: SearchIndex) -> None:
        self._index = index
        post = index._postings
        skip = index._stop | index._portion | index._unit_words
        self._stem_of: dict[str, str] = {}
        self._lexicon_targets: dict[str, list[tuple[str, ...]]] = {}
        self._phrase_next: dict[tuple[str, ...], list[str]] = {}

        def add(surface: str, stem: str) -> None:
            if len(surface) >= 2 and surface.isalpha() and stem not in skip:
                self._stem_of.setdefault(surface, stem)

        db = index.db
        for desc in (*db.descriptions, *(c for c in db.common_names if c)):
            for w in _plain_words(desc):
                stem = normalise_word(w)
                if stem in post:
                    add(w, stem)
        lex = _lexicon()
        for table in (lex.synonyms, lex.everyday, lex.defaults, lex.everyday_defaults):
            for phrase, target in table.items():
                target_stems = tuple(t for t in tokenize(target) if t in post)
                typed = _plain_words(phrase)
                for k in range(1, len(typed)):  # "scotch" -> "fillet", "spring" -> "onion"
                    nxt = self._phrase_next.setdefault(tuple(typed[:k]), [])
                    if typed[k] not in nxt:
                        nxt.append(typed[k])
                for w in typed:
                    stem = normalise_word(w)
                    if stem not in post and target_stems:
                        self._lexicon_targets.setdefault(stem, []).append(target_stems)
                    if stem in post or stem in self._lexicon_targets:
                        add(w, stem)
        self._max_phrase = max((len(k) for k in self._phrase_next), default=0)
        self._surfaces = sorted(self._stem_of)
        # a word to type for each stem: the stem itself when it reads back as itself
        self._word: dict[str, str] = {}
        for surface in self._surfaces:
            stem = self._stem_of[surface]
            if stem not in self._word or surface == stem:
                self._word[stem] = surface
        self._known = set(post) | index._synonym_words
        self._generic_survey = bytes(
            bool(s) and not (b or y or r)
            for s, b, y, r in zip(
                index._survey, index._brand, index._baby, index._restaurant, strict=True
            )
        )
        self._rows: dict[str, frozenset[int]] = {}
        self._pop: dict[str, float] = {}
        self._food_stems: list[list[str]] | None = None

    def df(self, stem: str) -> int:
        """Number of foods whose description has the stem (0 if none)."""
        post = self._index._postings
        k = post._words.pos.get(stem)
        return 0 if k is None else post._off[k + 1] - post._off[k]

    def rows(self, stem: str) -> frozenset[int]:
        """Foods with the stem (a lexicon word: the foods its phrases name)."""
        got = self._rows.get(stem)
        if got is None:
            post = self._index._postings
            if stem in post:
                got = frozenset(post[stem][0])
            else:
                out: set[int] = set()
                for target in self._lexicon_targets.get(stem, ()):
                    out |= frozenset.intersection(*(self.rows(t) for t in target))
                got = frozenset(out)
            self._rows[stem] = got
        return got

    def rows_of(self, stems: set[str]) -> frozenset[int]:
        """Foods with any of the stems."""
        if len(stems) == 1:
            return self.rows(next(iter(stems)))
        return frozenset().union(*(self.rows(st) for st in stems))

    def popularity(self, stem: str) -> float:
        """How useful a completion is without context: mostly the everyday foods it names.

        Generic (unbranded, not baby or restaurant) survey foods whose head noun it is, plus
        a quarter of those that mention it, plus a hundredth of all foods that mention it; a
        word only the lexicon knows names half of the foods of its phrases.
        """
        got = self._pop.get(stem)
        if got is None:
            generic = self._generic_survey
            rows = self.rows(stem)
            mention = sum(generic[i] for i in rows)
            if stem in self._lexicon_targets:
                named = _SUGGEST_LEXICON_NAMED * mention
            else:
                heads = self._index._head_post.get(stem)
                named = sum(generic[i] for i in heads) if heads is not None else 0
            got = (
                _SUGGEST_HEAD_WEIGHT * named
                + _SUGGEST_ANY_WEIGHT * mention
                + _SUGGEST_DF_WEIGHT * len(rows)
            )
            self._pop[stem] = got
        return got

    def _stems_by_food(self) -> list[list[str]]:
        if self._food_stems is None:
            post = self._index._postings
            out: list[list[str]] = [[] for _ in range(self._index._n)]
            for stem in self._word:
                if stem in post:
                    for i in post[stem][0]:
                        out[i].append(stem)
            self._food_stems = out
        return self._food_stems

    def _together(self, stems: list[str], context: list[str]) -> dict[str, int]:
        """Completion -> number of foods having it and every context stem (those > 0)."""
        together: dict[str, int] = {}
        foods = frozenset.intersection(*(self.rows(st) for st in context))
        if not foods:
            return together
        if len(foods) <= _SUGGEST_CONTEXT_FOODS:
            wanted = set(stems)
            by_food = self._stems_by_food()
            for i in foods:
                for st in by_food[i]:
                    if st in wanted:
                        together[st] = together.get(st, 0) + 1
            lexical = [st for st in stems if st in self._lexicon_targets]
        else:
            lexical = sorted(stems, key=lambda s: -self.popularity(s))[:_SUGGEST_PREFILTER]
        for st in lexical:  # lexicon words are not in the per-food lists
            n_with = len(foods & self.rows(st))
            if n_with:
                together[st] = n_with
        return together

    def expand(
        self, prefix: str, context: list[str], typed: list[str]
    ) -> list[tuple[str, bool, float]]:
        """Words to try for the typed ``prefix``, best first, each with a "preferred" flag.

        Parameters
        ----------
        prefix : str
            The unfinished last word (lower case).
        context : list of str
            Stems of the food words typed before it.
        typed : list of str
            The words typed before it, as typed (lower case).

        Returns
        -------
        list of (str, bool, float)
            The word to type, whether it is preferred, and its :meth:`popularity`.
            Preferred first: the next word of a lexicon phrase the typed words begin
            ("scotch fi" -> fillet), and the prefix itself when it is a whole word. Then the
            completions found with every context word (most such foods first), then by
            :meth:`popularity`; lexicon words naming the same foods as an earlier completion
            are left out.
        """
        out: list[tuple[str, bool, float]] = []
        done: set[str] = set()
        for k in range(min(self._max_phrase, len(typed)), 0, -1):
            for nxt in self._phrase_next.get(tuple(typed[-k:]), ()):
                if nxt.startswith(prefix) and normalise_word(nxt) not in done:
                    done.add(normalise_word(nxt))
                    out.append((nxt, True, 0.0))
        whole = normalise_word(prefix)
        if whole in self._known and whole not in done:
            done.add(whole)
            out.append((prefix, True, 0.0))
        lo = bisect.bisect_left(self._surfaces, prefix)
        hi = bisect.bisect_left(self._surfaces, prefix + "\uffff", lo)
        stems = [
            st
            for st in dict.fromkeys(self._stem_of[w] for w in self._surfaces[lo:hi])
            if st not in done
        ]
        together = self._together(stems, context) if context and stems else {}
        if together:  # completions never seen with the earlier words add nothing
            stems = [st for st in stems if st in together]
        ranked = sorted(stems, key=lambda s: (-together.get(s, 0), -self.popularity(s), s))
        seen: set[frozenset[int]] = set()
        for st in ranked:
            if len(out) >= _SUGGEST_MAX_EXPANSIONS:
                break
            rows = self.rows(st)
            if st in self._lexicon_targets and rows in seen:
                continue
            seen.add(rows)
            out.append((self._word[st], False, self.popularity(st)))
        return out[:_SUGGEST_MAX_EXPANSIONS]


@cache
def get_index() -> SearchIndex:
    """The shared search index.

    Building the index from the embedded database takes a few hundred milliseconds, so the
    built index is cached in the user cache directory (``$MAGNERVE_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/magnerve``, else ``~/.cache/magnerve``), keyed by a hash of the
    database, the lexicon, the units and this module. The cache holds only plain data (a
    JSON header and flat number arrays, no pickle: opening it cannot run code), with a format
    version and the SHA-256 of its content, both checked on opening. A missing, stale,
    corrupt or foreign file is ignored and rebuilt; a read-only disk only means no cache.
    Set ``MAGNERVE_CACHE_DIR=""`` to disable the cache.
    """
    db = load_database()
    path, key = _cache_path()
    if path is not None:
        try:
            blob = path.read_bytes()
        except OSError:
            pass
        else:
            try:
                meta, arrays = _unpack(blob, key)
                return SearchIndex._from_state(db, meta, arrays)
            except Exception:  # anything unexpected in the file: rebuild it
                pass
    meta, raw = _build_state(db)
    index = SearchIndex._from_state(db, meta, {k: memoryview(v) for k, v in raw.items()})
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(_pack(meta, raw, key))
            tmp.replace(path)
        except OSError:
            pass
    return index


def _cache_key() -> str:
    """Key of what the index is built from: the database, lexicon, units and this module.

    Each file counts by its path, size and modification time (a changed or reinstalled file
    gives a new key, so a stale index is never opened); a file that is not on disk (a zipped
    install) counts by its content.
    """
    h = hashlib.sha256(f"format {_FORMAT} {sys.version_info[:2]}\n".encode())
    data = Path(database_path()).parent
    for path in (
        data / "sr28.sqlite",
        data / "search_lexicon.toml",
        data / "units.toml",
        Path(__file__),
    ):
        try:
            st = path.stat()
            h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        except OSError:
            from magnerve.registry import Registry

            h.update(Registry().read_bytes(path.name))  # the package's file (a zipped install)
    return h.hexdigest()


def _cache_path() -> tuple[Path | None, str]:
    """Cache file of the index and its key (path None: caching disabled)."""
    env = os.environ.get("MAGNERVE_CACHE_DIR")
    if env == "":
        return None, ""
    if env:
        base = Path(env)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "magnerve"
    key = _cache_key()
    return base / f"search-index-{key[:16]}.v{_FORMAT}.bin", key
