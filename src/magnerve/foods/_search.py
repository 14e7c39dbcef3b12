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

import hashlib
import math
import os
import pickle
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from magnerve.foods._db import FoodDatabase, load_database
from magnerve.foods._units import unit_registry

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


@cache
def _lexicon() -> dict[str, Any]:
    text = resources.files("magnerve.data").joinpath("search_lexicon.toml").read_text("utf-8")
    return tomllib.loads(text)


class SearchIndex:
    """Inverted index over SR28 long descriptions and common names."""

    def __init__(self, db: FoodDatabase) -> None:
        lex = _lexicon()
        self.db = db
        n = len(db)
        self._stop = set(lex["classes"]["stopwords"])
        self._portion = {normalise_word(w) for w in lex["classes"]["portion"]}
        self._prep = {normalise_word(w) for w in lex["classes"]["preparation"]}
        self._baby_words = {normalise_word(w) for w in lex["classes"]["baby"]}
        not_brand = set(lex["classes"]["not_brand"])
        self._synonyms: dict[tuple[str, ...], tuple[str, ...]] = {}
        for table in ("synonyms", "everyday"):  # [synonyms] wins over [everyday]
            for phrase, target in lex.get(table, {}).items():
                key = tuple(w for w in tokenize(phrase) if w not in self._stop)
                if key and key not in self._synonyms:
                    self._synonyms[key] = tuple(w for w in tokenize(target) if w not in self._stop)
        self._max_phrase = max(len(k) for k in self._synonyms)
        self._defaults: dict[tuple[str, ...], tuple[str, ...]] = {}
        for table in ("defaults", "everyday_defaults"):
            for phrase, target in lex.get(table, {}).items():
                key = tuple(w for w in tokenize(phrase) if w not in self._stop)
                if key and key not in self._defaults:
                    self._defaults[key] = tuple(w for w in tokenize(target) if w not in self._stop)
        self._synonym_words = {w for k in (*self._synonyms, *self._defaults) for w in k}
        self._unit_words = {
            st for name in unit_registry() for st in tokenize(name) if not st.isdigit()
        } - {"t", "c"}
        self._dish = {normalise_word(w) for w in lex["classes"].get("dish", [])}
        self._measure = {st for w in lex["classes"]["measure_words"] for st in tokenize(w)}
        equivalents = {
            normalise_word(k): {st for w in v for st in tokenize(w)}
            for k, v in lex.get("equivalents", {}).items()
        }
        self._equivalents = equivalents

        self._neutral = {normalise_word(w) for w in lex["classes"]["neutral"]}
        categories = {tuple(tokenize(c)) for c in lex["classes"]["category_heads"]}
        prep_by_group = {
            code: {normalise_word(w) for w in words}
            for code, words in lex["default_preparation"].items()
        }
        parsed = [_split_description(d) for d in db.descriptions]

        # Brand words: words SR28 only ever writes in capitals (KELLOGG'S, CHEERIOS).
        upper_only: dict[str, bool] = {}
        upper_words: list[set[str]] = []
        for desc, segs in zip(db.descriptions, parsed, strict=True):
            uppers = {
                st for rw in _UPPER.findall(desc) if rw not in not_brand for st in tokenize(rw)
            }
            upper_words.append(uppers)
            for _, _, stems in segs:
                for st in stems:
                    upper_only[st] = upper_only.get(st, True) and st in uppers
        self._brand_words = {w for w, only in upper_only.items() if only}

        postings: dict[str, dict[int, float]] = {}
        costs: dict[str, dict[int, float]] = {}
        head_post: dict[str, set[int]] = {}
        bigrams: dict[tuple[str, str], set[int]] = {}
        total_cost = np.zeros(n, dtype=np.float64)
        default_prep = np.zeros(n, dtype=bool)
        for i, segs in enumerate(parsed):
            head_k = _head_segment(segs, categories, self._brand_words)
            pairs: set[tuple[str, str]] = set()
            prev: list[str] = []
            word_cost: dict[str, float] = {}
            for k, (paren, seg_text, stems) in enumerate(segs):
                stems = [st for st in stems if st not in self._stop]
                if "other than" in seg_text.lower():
                    # "tea, herb, other than chamomile": the words after it are not the food
                    before = seg_text.lower().split("other than")[0]
                    stems = [st for st in tokenize(before) if st not in self._stop]
                # a phrase inside a segment reads in order ("Peanut butter"); across a comma
                # SR28 inverts it: "Milk, chocolate" is chocolate milk, not milk chocolate
                pairs.update(pairwise(stems))
                if prev and stems:
                    pairs.add((stems[0], prev[-1]))
                prev = stems or prev
                seg_pw = _POS_WEIGHTS[min(k, len(_POS_WEIGHTS) - 1)]
                for st in stems:
                    # SR28 always puts the preparation last: its position says nothing
                    pw = 1.0 if st in self._prep else seg_pw
                    p = postings.setdefault(st, {})
                    if p.get(i, 0.0) < pw:
                        p[i] = pw
                    if st in self._neutral or st in self._stop:
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
                    if st not in self._stop:
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

        def arr(ix: set[int] | dict[int, float]) -> npt.NDArray[np.intp]:
            return np.fromiter(ix, dtype=np.intp, count=len(ix))

        self._postings: dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]] = {
            w: (arr(p), np.fromiter(p.values(), dtype=np.float64, count=len(p)))
            for w, p in postings.items()
        }
        self._costs = {
            w: (arr(c), np.fromiter(c.values(), dtype=np.float64, count=len(c)))
            for w, c in costs.items()
        }
        # plain lists: numpy indexes with them directly, and converting ~20,000 small sets to
        # arrays up front would double the build time
        self._head_post = {w: sorted(v) for w, v in head_post.items()}
        self._headless = self._head_post.pop("", [])
        self._bigrams = {k: sorted(v) for k, v in bigrams.items()}
        self._idf = {w: math.log(1.0 + n / len(p)) for w, p in postings.items()}
        # a typo is corrected into a food word, never into a portion or unit word
        # ("lager" is not "large", "punnet" not "pint")
        self._vocab = sorted(set(self._postings) - self._portion - self._unit_words)
        self._total_cost = total_cost
        self._default_prep = default_prep
        self._brand = np.array(
            [
                bool(m) or bool(u & self._brand_words)
                for m, u in zip(db.manufacturers, upper_words, strict=True)
            ],
            dtype=bool,
        )
        self._baby = np.array(
            [
                g == "0300" or any(self._baby_words & set(st) for _, _, st in segs)
                for g, segs in zip(db.group_codes, parsed, strict=True)
            ],
            dtype=bool,
        )
        default_form = {normalise_word(w) for w in lex["classes"]["default_form"]}
        self._default_form = np.array(
            [any(default_form & set(st) for _, _, st in segs) for segs in parsed], dtype=bool
        )
        self._restaurant = np.array([g in ("2100", "3600") for g in db.group_codes], dtype=bool)
        self._survey = np.array(db.survey, dtype=bool)
        stem_sets = [{st for _, _, stems in segs for st in stems} for segs in parsed]

        def having(words: set[str]) -> npt.NDArray[np.bool_]:
            return np.array([bool(words & ss) for ss in stem_sets], dtype=bool)

        self._conflicts = {
            normalise_word(k): having({st for w in v for st in tokenize(w)})
            for k, v in lex.get("state_conflicts", {}).items()
        }
        processed = {st for w in lex["classes"].get("processed", []) for st in tokenize(w)}
        processed_ok = having(
            {st for w in lex["classes"].get("processed_ok", []) for st in tokenize(w)}
        )
        self._processed = {w: having({w}) & ~processed_ok for w in sorted(processed)}
        self._processed_any = np.logical_or.reduce(list(self._processed.values()))
        self._typo_cache: dict[str, list[str]] = {}

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
    def scores(self, query: str) -> npt.NDArray[np.float64]:
        """Score every food for ``query`` (``-inf`` for foods matching no query word)."""
        qwords = self.analyse(query)
        n = len(self.db)
        matched = np.zeros(n)
        hits = np.zeros(n)
        paid = np.zeros(n)
        head_ok = np.zeros(n, dtype=bool)
        head_ok[self._headless] = True
        denom = 0.0
        stems = [q.stem for q in qwords]
        for q in qwords:
            idf = self._idf.get(q.stem, math.log(1.0 + n))
            denom += idf * q.need
            post = self._postings.get(q.stem)
            if post is None:
                continue
            idx, pw = post
            matched[idx] += idf * pw * min(q.need, 1.0)
            hits[idx] += 1.0
            cpost = self._costs.get(q.stem)
            if cpost is not None:
                paid[cpost[0]] += cpost[1]
            hp = self._head_post.get(q.stem)
            if hp is not None:
                head_ok[hp] = True
        if denom == 0.0:
            return np.full(n, -np.inf)
        coverage = np.minimum(matched / denom, 1.0)
        extra = np.maximum(self._total_cost - paid, 0.0)
        brevity = 1.0 / (1.0 + _BREVITY_RATE * extra)
        score = coverage * (0.8 + 0.2 * brevity)
        score -= _HEAD_PENALTY * ~head_ok

        for pair in pairwise(stems):
            idx_b = self._bigrams.get(pair)
            if idx_b is not None:
                score[idx_b] += _PHRASE_BONUS
        qset = set(stems)
        score += _SURVEY_BONUS * self._survey
        if not qset & self._brand_words:
            score -= _BRAND_PENALTY * self._brand
            score -= _RESTAURANT_PENALTY * self._restaurant
        if not qset & self._baby_words:
            score -= _BABY_PENALTY * self._baby
        if not qset & self._prep:
            score += _DEFAULT_PREP_BONUS * self._default_prep
        score += _DEFAULT_FORM_BONUS * self._default_form
        # words that change the food: states the query rules out, processing it does not ask
        asked = set(qset)
        for st in qset:
            asked |= self._equivalents.get(st, set())
        for q in qwords:  # only words the user typed; a synonym's extra words may disagree
            conflict = self._conflicts.get(q.stem) if q.original else None
            if conflict is not None:
                score -= _CONFLICT_PENALTY * conflict
        if asked & self._processed.keys():
            proc = np.zeros(n, dtype=bool)
            for w, has in self._processed.items():
                if w not in asked:
                    proc |= has
            score -= _PROCESSED_PENALTY * proc
        else:
            score -= _PROCESSED_PENALTY * self._processed_any
        # a dish ("green salad", "lentil soup"): foods that only mention it lose
        food_words = [q.stem for q in qwords if q.original and q.need >= 1.0]
        if food_words and food_words[-1] in self._dish:
            not_dish = np.ones(n, dtype=bool)
            not_dish[self._head_post.get(food_words[-1], [])] = False
            score -= _DISH_PENALTY * not_dish
        score[hits == 0] = -np.inf
        return score

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        """Best ``limit`` foods for ``query``, best first."""
        if limit <= 0 or not query.strip():
            return []
        score = self.scores(query)
        finite = np.flatnonzero(np.isfinite(score))
        if finite.size == 0:
            return []
        k = min(limit, finite.size)
        kth = np.partition(score[finite], finite.size - k)[finite.size - k]
        cand = finite[score[finite] >= kth]  # keeps every tie at the cut
        # best score first; ties: fewer extra words, then SR28 order (independent of limit)
        order = cand[np.lexsort((cand, self._total_cost[cand], -score[cand]))][:k]
        db = self.db
        return [
            SearchHit(
                db.ids[i],
                db.descriptions[i],
                float(min(max(score[i] / _MAX_SCORE, 0.0), 1.0)),
                db.group_names[i],
            )
            for i in order.tolist()
        ]


@cache
def get_index() -> SearchIndex:
    """The shared search index.

    Building the index from the embedded database takes a few hundred milliseconds, so the
    built index is cached with pickle in the user cache directory
    (``$MAGNERVE_CACHE_DIR``, else ``$XDG_CACHE_HOME/magnerve``, else ``~/.cache/magnerve``),
    keyed by a hash of the database, the lexicon and this module. Any problem with the
    cache (unreadable, stale, read-only disk) falls back to building the index; set
    ``MAGNERVE_CACHE_DIR=""`` to disable the cache.
    """
    db = load_database()
    path = _cache_path()
    if path is not None:
        try:
            with path.open("rb") as f:
                state = pickle.load(f)
            index = SearchIndex.__new__(SearchIndex)
            index.__dict__.update(state)
            index.db = db
            return index
        except Exception:
            pass
    index = SearchIndex(db)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            state = {k: v for k, v in index.__dict__.items() if k != "db"}
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as f:
                pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
        except OSError:
            pass
    return index


def _cache_path() -> Path | None:
    env = os.environ.get("MAGNERVE_CACHE_DIR")
    if env == "":
        return None
    if env:
        base = Path(env)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "magnerve"
    h = hashlib.sha256()
    data = resources.files("magnerve.data")
    for name in ("sr28.sqlite", "search_lexicon.toml"):
        h.update(data.joinpath(name).read_bytes())
    h.update(Path(__file__).read_bytes())
    h.update(np.__version__.encode())
    return base / f"search-index-{h.hexdigest()[:16]}.pickle"
