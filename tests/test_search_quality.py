"""Search quality on the labelled evaluation sets, and specific search behaviours."""

from __future__ import annotations

import json
import re
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypothesis_profiles import examples
from magnerve.foods import SearchHit, load_database, search

DATA = Path(__file__).parent / "data"
DEV = DATA / "search_eval.json"
HOLDOUT = DATA / "search_holdout.json"
HOLDOUT2 = DATA / "search_holdout2.json"
HOLDOUT3 = DATA / "search_holdout3.json"
CATEGORIES = {
    "everyday",
    "inverted",
    "synonym",
    "typo",
    "plural",
    "preparation",
    "generic",
    "brand",
}


@cache
def _load(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))


def _accuracy(entries: list[dict[str, Any]]) -> tuple[float, float, list[str]]:
    top1 = top5 = 0
    misses = []
    for e in entries:
        ids = [h.id for h in search(e["query"], limit=5)]
        accept = set(e["accept"])
        if ids and ids[0] in accept:
            top1 += 1
        else:
            misses.append(f"{e['query']!r}: got {ids[:2]}, want one of {sorted(accept)[:3]}")
        if accept & set(ids):
            top5 += 1
    n = len(entries)
    return top1 / n, top5 / n, misses


def _eval_files() -> list[Path]:
    return [p for p in (DEV, HOLDOUT, HOLDOUT2, HOLDOUT3) if p.exists()]


# -- the evaluation files ---------------------------------------------------------------


def test_dev_set_size():
    assert len(_load(DEV)) >= 150


@pytest.mark.parametrize("path", _eval_files(), ids=lambda p: p.name)
def test_eval_file_is_well_formed(path):
    entries = _load(path)
    assert len(entries) >= 50
    db = load_database()
    queries = [e["query"].strip().lower() for e in entries]
    assert len(set(queries)) == len(queries), "duplicate queries"
    for e in entries:
        assert isinstance(e["query"], str) and e["query"].strip()
        assert e["category"] in CATEGORIES, e
        assert e["accept"], e
        assert len(set(e["accept"])) == len(e["accept"]), e
        for ndb in e["accept"]:
            assert re.fullmatch(r"\d{5}", ndb), (e["query"], ndb)
            assert ndb in db.index, (e["query"], ndb)


def test_evaluation_sets_are_disjoint():
    sets = [{e["query"].strip().lower() for e in _load(p)} for p in _eval_files()]
    for i, a in enumerate(sets):
        for b in sets[i + 1 :]:
            assert not a & b


def test_dev_set_covers_every_category():
    assert {e["category"] for e in _load(DEV)} == CATEGORIES


# -- accuracy ---------------------------------------------------------------------------


def test_dev_set_accuracy():
    top1, top5, misses = _accuracy(_load(DEV))
    print(f"\nsearch dev set ({len(_load(DEV))} queries): top-1 {top1:.3f}, top-5 {top5:.3f}")
    assert top1 >= 0.90, "\n".join(misses)
    assert top5 >= 0.98, "\n".join(misses)


def test_holdout_accuracy():
    if not HOLDOUT.exists():
        pytest.skip("no held-out set")
    top1, top5, misses = _accuracy(_load(HOLDOUT))
    print(
        f"\nsearch held-out set ({len(_load(HOLDOUT))} queries): top-1 {top1:.3f}, top-5 {top5:.3f}"
    )
    assert top5 >= 0.90, "\n".join(misses)


def test_holdout3_accuracy():
    """Third held-out set (typed lines with amounts and measure words, issue 9). Its untuned
    figure (72.9 % / 92.9 %) is in docs/search_evaluation.md; this guards the tuned level."""
    top1, top5, misses = _accuracy(_load(HOLDOUT3))
    print(f"\nsearch held-out 3 ({len(_load(HOLDOUT3))}): top-1 {top1:.3f}, top-5 {top5:.3f}")
    assert top1 >= 0.93, "\n".join(misses)
    assert top5 >= 0.92, "\n".join(misses)


def test_all_labelled_phrases_accuracy():
    """The earlier targets (top-1 >= 90 %, top-5 >= 98 %) over the development set and the first
    two held-out sets (441 phrases). Their first, untuned measurements are recorded in
    docs/search_evaluation.md; held-out 3 is checked on its own above."""
    entries = [e for p in (DEV, HOLDOUT, HOLDOUT2) for e in _load(p)]
    top1, top5, misses = _accuracy(entries)
    print(f"\nall labelled phrases ({len(entries)}): top-1 {top1:.3f}, top-5 {top5:.3f}")
    assert top1 >= 0.90, "\n".join(misses)
    assert top5 >= 0.98, "\n".join(misses)


# -- specific behaviours ----------------------------------------------------------------


def test_garbanzo_is_chickpeas():
    hit = search("garbanzo")[0]
    assert hit.description.startswith("Chickpeas")
    assert hit.food_group == "Legumes and Legume Products"


def test_pepitas_are_pumpkin_seed_kernels():
    hit = search("pepitas")[0]
    assert "pumpkin and squash seed kernels" in hit.description


def test_porridge_is_oats():
    hit = search("porridge")[0]
    assert hit.description.startswith("Cereals, oats")
    assert "cooked" in hit.description


def test_swiss_chard():
    assert search("swiss chard")[0].description.startswith("Chard, swiss")


@pytest.mark.parametrize("typo", ["spinnach", "spinach", "Spinach", "SPINACH"])
def test_spinach_typo_and_case(typo):
    assert search(typo)[0].description.startswith("Spinach,")


def test_brand_named_query_gets_the_brand():
    hit = search("cheerios")[0]
    assert "CHEERIOS" in hit.description
    assert load_database().manufacturers[load_database().index[hit.id]] != ""


def test_generic_preferred_when_no_brand_named():
    db = load_database()
    # SR28 has branded items for peanut butter (26), ice cream (23) and oatmeal (54)
    for q in ("granola bar", "peanut butter", "ice cream", "oatmeal"):
        hit = search(q)[0]
        assert db.manufacturers[db.index[hit.id]] == "", (q, hit)


def test_plural_and_singular_agree():
    assert search("almond")[0].id == search("almonds")[0].id == "12061"
    assert search("banana")[0].id == search("bananas")[0].id == "09040"


def test_word_order_ignored_for_inverted_descriptions():
    assert search("roasted almonds", 3)[0].description.startswith("Nuts, almonds")
    assert search("almonds roasted", 3)[0].description.startswith("Nuts, almonds")


@pytest.mark.parametrize("limit", [1, 3, 5, 17])
def test_limit_respected(limit):
    hits = search("cheese", limit=limit)
    assert len(hits) == limit
    assert len({h.id for h in hits}) == limit


def test_limit_larger_than_matches():
    hits = search("almonds", limit=200)
    assert 0 < len(hits) <= 200


@pytest.mark.parametrize("limit", [0, -1])
def test_non_positive_limit(limit):
    assert search("almonds", limit=limit) == []


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "!!!", "of the"])
def test_empty_queries(query):
    assert search(query) == []


def test_nonsense_query():
    assert search("xyzzy qwerty") == []


def test_hit_fields():
    hits = search("almonds", 5)
    db = load_database()
    for h in hits:
        assert isinstance(h, SearchHit)
        assert len(h.id) == 5 and h.id.isdigit()
        assert h.description == db.descriptions[db.index[h.id]]
        assert h.food_group == db.group_names[db.index[h.id]]
    assert hits[0].to_dict() == {
        "id": "12061",
        "description": "Nuts, almonds",
        "score": round(hits[0].score, 4),
        "food_group": "Nut and Seed Products",
    }


@pytest.mark.parametrize(
    "query",
    ["cheese", "whole milk", "spinach", "brown rice", "cheerios", "granola bar", "spinnach"],
)
def test_scores_in_unit_interval_and_non_increasing(query):
    hits = search(query, 50)
    scores = [h.score for h in hits]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert all(a >= b for a, b in pairwise(scores))


@settings(max_examples=examples(50), deadline=None)
@given(
    query=st.text(
        alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz ,'-%0123456789"), max_size=25
    ),
    limit=st.integers(min_value=1, max_value=30),
)
def test_search_properties(query, limit):
    hits = search(query, limit)
    assert len(hits) <= limit
    assert len({h.id for h in hits}) == len(hits)
    scores = [h.score for h in hits]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)


def test_search_is_deterministic():
    assert search("white rice", 10) == search("white rice", 10)


def test_smaller_limit_is_a_prefix():
    for q in ("cheerios", "sweet potatoes", "mozarella", "granola"):
        big = [h.id for h in search(q, 60)]
        for k in (1, 3, 5, 10):
            assert [h.id for h in search(q, k)] == big[:k], (q, k)


# -- issue 9, second round: general classes ---------------------------------------------


@pytest.mark.parametrize(
    ("query", "ndb"),
    [
        ("a clove of garlic", "11215"),  # a measure word before "of" is the portion
        ("an ear of corn", "11167"),
        ("a pint of lager", "14003"),  # never typo-corrected into a portion word ("large")
        ("chamomile tea", "14545"),  # "other than chamomile" does not name chamomile
        ("milk chocolate", "19120"),  # "Candies" is a category, the food is milk chocolate
        ("a cuppa", "14355"),
        ("2 fish fingers", "15027"),
    ],
)
def test_general_classes(query, ndb):
    assert search(query, 1)[0].id == ndb


@pytest.mark.parametrize(
    ("unknown", "not_into"),
    [
        ("ghee", "beet"),
        ("basmati rice", "basil"),
        ("earl grey tea", "jew"),
        ("sticky rice", "spicy"),
    ],
)
def test_unknown_words_are_not_corrected_into_other_foods(unknown: str, not_into: str) -> None:
    """Typo correction is conservative: a name SR28 lacks is not turned into another food."""
    hits = search(unknown, 1)
    assert not hits or not_into not in hits[0].description.lower()


@pytest.mark.parametrize("typo", ["spinnach", "vinager", "bred", "crossiant", "cantelope"])
def test_near_certain_typos_still_corrected(typo: str) -> None:
    assert search(typo, 1)
