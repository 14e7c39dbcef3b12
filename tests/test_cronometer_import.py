"""Cronometer servings.csv import reproduces the export's own figures (issue 9).

``tests/data/cronometer_constructs.csv`` is written for these tests (no row comes from anyone's
diary). Its rows that map to an SR28 food carry nutrient cells computed from SR28 for the
weight the serving means (stated per row in ``SR28_ROWS``), so the checks below test that
magnerve's reading of ``Amount`` reproduces them. The other rows are supplements, custom
foods, a weak match and rows whose export values disagree with the SR28 match.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from magnerve import intake
from magnerve._cronometer import (
    agrees,
    parse_cronometer_amount,
    serving_grams,
    supplement_dose,
)
from magnerve.diary import Diary, DiaryEntry, DiarySupplement, read_diary, read_diary_text
from magnerve.foods import get_food

DATA = Path(__file__).parent / "data"
CONSTRUCTS = DATA / "cronometer_constructs.csv"
OZ = 28.349523125

# line -> (construct, NDB number, grams the Amount means), computed by hand from SR28 measures
SR28_ROWS: dict[int, tuple[str, str, float]] = {
    2: ("mass", "08120", 40.0),  # 40.00 g
    3: ("multiplier", "01079", 488.0),  # 4.00 x 0.5 cup = 2 cups x 244 g
    4: ("multiplier", "09050", 148.0),  # 2.00 x 0.5 cup = 1 cup
    5: ("household", "12155", 40.5),  # 20.00 half: oz (14 halves)
    6: ("volume", "14209", 237.0),  # 1.00 cup: cup (8 fl oz)
    10: ("household", "18075", 64.0),  # 2.00 slice
    11: ("volume", "16137", 30.0),  # 2.00 tbsp
    12: ("volume", "11457", 60.0),  # 2.00 cup
    13: ("household", "01129", 100.0),  # 2.00 large
    14: ("stated", "14148", 12 * 30.7),  # 1.00 can (12 fl oz)
    16: ("stated", "19155", 2.07 * OZ),  # 1.00 regular size bar - each 2.07 oz
    17: ("multiplier", "15209", 6 * OZ),  # 1.50 x 4.0 oz
    18: ("multiplier", "20137", 277.5),  # 1.50 x 1.0 cup
    19: ("volume", "11090", 91.0),  # 1.00 cup, chopped
    20: ("volume", "04053", 13.5),  # 1.00 tbsp
    21: ("stated", "14003", 24 * 29.7),  # 2.00 can - each 12 fl oz
    23: ("household", "09040", 118.0),  # 1.00 medium - 7" to 7 7/8" long
    24: ("volume", "16398", 32.0),  # 2.00 tbsp
    25: ("household", "18075", 32.0),  # 1.00 slice
    26: ("stated", "09206", 310.0),  # 1.00 bottle - each 10 fl oz
    29: ("multiplier", "16015", 258.0),  # 3.00 x 0.5 cup
    30: ("household", "09037", 100.5),  # 0.50 avocado
    31: ("stated", "01009", OZ),  # 1.00 slice (1 oz)
    33: ("mass", "12061", OZ),  # 1.00 oz
    34: ("household", "09003", 182.0),  # 1.00 medium - 3" diameter
    36: ("mass", "23570", 4 * OZ),  # 4.00 oz
    37: ("household", "20125", 117.0),  # 1.00 cup spaghetti not packed
    40: ("stated", "19904", 1.75 * OZ),  # 0.50 bar - each 3.5 oz
    41: ("volume", "08013", 28.0),  # 1.00 cup
    42: ("volume", "01077", 244.0),  # 1.00 cup
    43: ("household", "09316", 90.0),  # 5.00 large - 1 3/8" diameter
    44: ("mass", "12006", 15.0),  # 15.00 g
    49: ("volume", "11212", 77.5),  # 0.50 cup
    50: ("household", "11124", 61.0),  # 1.00 medium
    52: ("household", "12142", 10 * 28.35 / 19),  # 10.00 half: oz (19 halves)
    53: ("mass", "12016", 0.5 * OZ),  # 0.50 oz
    54: ("multiplier", "12085", OZ),  # 2.00 x 0.5 oz
    55: ("mass", "16070", 0.25 * 453.59237),  # 0.25 lb
    56: ("volume", "20036", 46.25),  # 0.25 cup (uncooked)
    57: ("volume", "11233", 32.0),  # 2.00 cup
    59: ("stated", "14096", 147.0),  # 1.00 glass (5 fl oz)
}
ZERO_ROWS = {7, 22, 58}
SUPPLEMENT_ROWS = {8, 9, 27, 28, 45, 46, 47}
CUSTOM_ROWS = {15, 35, 48, 51}  # recipes, a protein shake filed under Supplements, a brand
WEAK_ROWS = {39}  # "Frozen shiitake"
DISAGREEING_ROWS = {32, 38, 60}  # export values that differ from (or catch) the SR28 match


@pytest.fixture(scope="module")
def rows() -> dict[int, dict[str, str]]:
    with CONSTRUCTS.open(encoding="utf-8") as f:
        return {k + 2: r for k, r in enumerate(csv.DictReader(f))}


@pytest.fixture(scope="module")
def diary() -> Diary:
    return read_diary(CONSTRUCTS)


def _entry(d: Diary, line: int) -> DiaryEntry:
    (e,) = [e for e in d.entries if e.line == line]
    return e


def _mg(cell: str) -> float:
    return float(cell) if cell else 0.0


def test_every_line_is_an_entry_a_supplement_or_a_problem(diary, rows):
    lines = [e.line for e in diary.entries] + [s.line for s in diary.supplements]
    lines += [p.line for p in diary.problems]
    assert sorted(lines) == sorted(rows)
    assert diary.n_lines == len(rows) == 59
    assert not diary.problems
    designed = set(SR28_ROWS) | ZERO_ROWS | SUPPLEMENT_ROWS | CUSTOM_ROWS | WEAK_ROWS
    assert designed | DISAGREEING_ROWS == set(rows)


def test_matched_rows_reproduce_the_export_magnesium(diary, rows):
    """>= 95 % of SR28 rows agree within 10 % or 2 mg (the issue's target); here all do."""
    checks = {c.line: c for c in diary.checks}
    ok = 0
    for line, (_construct, _ndb, _grams) in SR28_ROWS.items():
        c = checks[line]
        assert c.comparison is not None
        mg = c.comparison.magnesium_sr28
        assert mg is not None
        ok += agrees(mg, _mg(rows[line]["Magnesium (mg)"]))
    assert ok / len(SR28_ROWS) >= 0.95
    assert ok == len(SR28_ROWS)


@pytest.mark.parametrize("line", sorted(SR28_ROWS))
def test_sr28_row_food_and_grams(diary, rows, line):
    construct, ndb, grams = SR28_ROWS[line]
    e = _entry(diary, line)
    assert e.parsed is not None, e.notes
    assert e.food_id == ndb
    assert e.grams == pytest.approx(grams, rel=0.04)
    check = next(c for c in diary.checks if c.line == line)
    assert check.construct == construct
    assert check.used == "sr28"
    # the export's value, computed from SR28 for the intended weight, is reproduced
    mg100 = get_food(ndb).nutrients["magnesium_mg"]
    assert mg100 is not None
    assert float(rows[line]["Magnesium (mg)"]) == pytest.approx(mg100 * grams / 100, abs=0.01)


def test_day_totals_agree_with_the_export(diary, rows):
    """Food magnesium per day (supplements apart) agrees with the export's rows in >= 95 %."""
    export: dict[str, float] = defaultdict(float)
    for line, r in rows.items():
        if line not in SUPPLEMENT_ROWS:
            export[r["Day"]] += _mg(r["Magnesium (mg)"])
    report = intake(diary, ["magnesium_mg"])
    days = {d.isoformat(): t[0].value for d, t in report.days}
    assert set(days) == set(export)
    ok = sum(agrees(days[k] or 0.0, v) for k, v in export.items())
    assert ok / len(export) >= 0.95


def test_multiplier_is_applied():
    a = parse_cronometer_amount("50.00 x 0.5 cup")
    assert (a.quantity, a.multiplier, a.count, a.unit) == (50.0, 0.5, 25.0, "cup")
    assert a.construct == "multiplier"
    assert serving_grams("01077", a).grams == pytest.approx(25 * 244.0)


@pytest.mark.parametrize(
    ("text", "unit", "each", "each_unit", "qualifier"),
    [
        ("5.61 can - each 12 fl oz", "can", 12.0, "fl oz", ""),
        ("3.00 regular size bar - each 2.07 oz", "regular size bar", 2.07, "oz", ""),
        ("1.00 shake (11 fl oz)", "shake", 11.0, "fl oz", ""),
        ('1.00 medium - 7" to 7 7/8" long', "medium", None, None, '7" to 7 7/8" long'),
        ("1.00 cup, chopped", "cup", None, None, "chopped"),
        ("20.00 half", "half", None, None, ""),
        ("1.00 full recipe", "full recipe", None, None, ""),
    ],
)
def test_amount_forms(text, unit, each, each_unit, qualifier):
    a = parse_cronometer_amount(text)
    assert a.unit == unit
    assert a.each_amount == each
    assert a.each_unit == each_unit
    assert a.qualifier == qualifier


def test_compound_measures_use_the_stated_size():
    beer = serving_grams("14003", parse_cronometer_amount("5.61 can - each 12 fl oz"))
    assert beer.grams == pytest.approx(5.61 * 12 * 29.7)  # 5.61 cans of 12 fl oz, not 5.61 fl oz
    bar = serving_grams("19155", parse_cronometer_amount("3.00 regular size bar - each 2.07 oz"))
    assert bar.grams == pytest.approx(3 * 2.07 * OZ)  # not the king size bar
    halves = serving_grams("12155", parse_cronometer_amount("20.00 half"))
    assert halves.grams == pytest.approx(40.5, rel=0.02)  # 20 halves, not 20 oz


def test_no_silent_fallback_to_another_measure():
    from magnerve.foods import PortionError

    with pytest.raises(PortionError, match="no SR28 measure matching"):
        serving_grams("12061", parse_cronometer_amount("1.00 scoop"))


def test_zero_quantity_rows_count_as_zero(diary):
    for line in ZERO_ROWS:
        e = _entry(diary, line)
        assert (e.grams or 0.0) == 0.0
        assert e.reported is None or all(v == 0.0 for v in e.reported.values())
    zero = read_diary_text(
        "Day,Group,Food Name,Amount,Magnesium (mg),Category\n"
        '2024-01-02,"Dinner","Mystery Stew","0.00 g",0.00,"Meals"\n'
    )
    (e,) = zero.entries
    assert not zero.problems
    assert e.reported == {"magnesium_mg": 0.0}


def test_supplements_are_kept_apart_with_dose_and_form(diary):
    sup = {s.line: s for s in diary.supplements}
    assert set(sup) == SUPPLEMENT_ROWS
    assert all(isinstance(s, DiarySupplement) for s in sup.values())
    assert not {e.line for e in diary.entries} & SUPPLEMENT_ROWS
    gly = sup[8]
    assert (gly.form, gly.elemental_mg, gly.dose_elemental_mg) == ("glycinate", 200.0, 200.0)
    salt = sup[27]  # "Magnesium Glycinate 1000 mg" x 2: salt mass -> 14.1 % elemental
    assert salt.salt_mg == pytest.approx(2000.0)
    assert salt.dose_elemental_mg == pytest.approx(2000 * 0.1410)
    assert salt.elemental_mg == pytest.approx(282.0)
    assert sup[45].elemental_mg == pytest.approx(300.0)  # 2 x 150 mg elemental
    threonate = sup[46]  # no export value: from the name, 2000 mg threonate x 8.25 %
    assert threonate.form == "threonate"
    assert threonate.elemental_mg == pytest.approx(2000 * 0.0825)
    vit_d = sup[9]
    assert vit_d.nutrients["vitamin_d_iu"] == pytest.approx(1000.0)
    assert vit_d.nutrients["vitamin_d_ug"] == pytest.approx(25.0)
    assert vit_d.elemental_mg == 0.0
    assert sup[28].nutrients["zinc_mg"] == pytest.approx(15.0)


def test_supplements_not_counted_as_food(diary):
    report = intake(diary, ["magnesium_mg"])
    day3 = next(t for d, t in report.days if d.isoformat() == "2024-05-08")[0].value
    assert not [e for e in diary.entries if "Magnesium" in e.name or e.name == "Inulin"]
    # the export's day 3 total is 942 mg with 300 mg from the magnesium citrate row
    assert day3 == pytest.approx(942.0 - 300.0, rel=0.05)


def test_supplement_as_profile_supplement(diary):
    from magnerve.assessment import supplement_daily

    s = next(s for s in diary.supplements if s.line == 27)
    daily = supplement_daily(s.to_profile_supplement())
    assert daily.magnesium_mg == pytest.approx(282.0)


def test_supplement_dose_from_the_name():
    d = supplement_dose("Magnesium (as citrate) 200 mg", parse_cronometer_amount("1.00 tablet"))
    assert (d.form, d.elemental_mg, d.salt_mg) == ("citrate", 200.0, None)
    d = supplement_dose("Magnesium Oxide", parse_cronometer_amount("800.00 mg"))
    assert d.salt_mg == pytest.approx(800.0)
    assert d.elemental_mg == pytest.approx(800 * 0.6030)
    d = supplement_dose("Vitamin D, 1000 IU", parse_cronometer_amount("2.00 softgel"))
    assert d.doses == {"vitamin_d_iu": 2000.0}
    assert d.elemental_mg is None


@pytest.mark.parametrize("name", ["Vitamin D, 1000 IU", "Zinc", "Magnesium Glycinate 200 mg"])
def test_supplement_names_never_become_foods(name):
    d = read_diary_text(
        "Day,Group,Food Name,Amount,Magnesium (mg),Category\n"
        f'2024-01-02,"Breakfast","{name}","1.00 capsule",,"Vitamins"\n'
    )
    assert not d.entries and not d.problems
    (s,) = d.supplements
    assert s.name == name


def test_custom_foods_keep_the_export_values(diary, rows):
    for line in CUSTOM_ROWS:
        e = _entry(diary, line)
        assert e.parsed is None
        assert e.reported is not None
        cell = rows[line]["Magnesium (mg)"]
        assert e.reported["magnesium_mg"] == (float(cell) if cell else None)
    shake = _entry(diary, 35)  # a protein shake Cronometer files under Supplements
    assert shake.reported is not None and shake.reported["energy_kcal"] == pytest.approx(160.0)
    assert "Supplements" in shake.notes[0]


def test_weak_match_keeps_the_export_values(diary):
    e = _entry(diary, 39)
    assert e.parsed is None
    assert e.reported is not None and e.reported["magnesium_mg"] == pytest.approx(29.0)
    assert "export" in e.notes[0]


def test_disagreeing_rows_are_reported_and_use_the_export_by_default(diary, rows):
    bad = {c.line: c for c in diary.disagreements}
    for line in DISAGREEING_ROWS:
        e = _entry(diary, line)
        check = next(c for c in diary.checks if c.line == line)
        if line in bad:
            assert check.used == "export"
            assert check.reason and "export" in check.reason
            assert e.parsed is None and e.candidate is not None
            assert e.reported is not None
            assert e.reported["magnesium_mg"] == pytest.approx(float(rows[line]["Magnesium (mg)"]))
        else:  # a better match may make them agree; then SR28 must reproduce the export
            assert check.comparison is not None and check.comparison.agrees
    assert set(bad) <= DISAGREEING_ROWS


def test_trust_flag():
    text = CONSTRUCTS.read_text(encoding="utf-8")
    sr28 = read_diary_text(text, trust="sr28")
    export = read_diary_text(text, trust="export")
    auto = read_diary_text(text)
    for line in {c.line for c in auto.disagreements}:
        assert _entry(sr28, line).parsed is not None
        assert _entry(export, line).parsed is None
    matched = [c for c in export.checks if c.food is not None and c.comparison is not None]
    assert matched and all(c.used == "export" for c in matched)
    # weak matches keep the export's values whatever the flag
    assert _entry(sr28, 39).parsed is None


def test_forced_format_and_time_column_optional():
    text = CONSTRUCTS.read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split(",")
    no_time = [",".join(header[:1] + header[2:])]
    for ln in lines[1:]:
        r = next(csv.reader([ln]))
        buf = [r[0], *r[2:]]
        no_time.append(",".join('"' + c.replace('"', '""') + '"' for c in buf))
    d = read_diary_text("\n".join(no_time) + "\n", fmt="cronometer")
    full = read_diary_text(text)
    assert [(e.line, e.food_id, e.grams) for e in d.entries] == [
        (e.line, e.food_id, e.grams) for e in full.entries
    ]
    assert all(e.time is None for e in d.entries)


def test_amount_without_number_is_a_problem_not_a_crash():
    d = read_diary_text(
        "Day,Group,Food Name,Amount,Magnesium (mg),Category\n"
        '2024-01-02,"Lunch","Almonds","some",,"Nut and Seed Products"\n'
    )
    (p,) = d.problems
    assert "number" in p.reason


def test_custom_entries_without_values():
    d = read_diary_text(
        "Day,Group,Food Name,Amount,Magnesium (mg),Category\n"
        '2024-01-02,"Breakfast","Ashwagandha Root Extract","600.00 mg",,""\n'
        '2024-01-02,"Lunch","Grandma\'s Zucchini Bake","1.00 serving",,""\n'
    )
    assert not d.problems
    (s,) = d.supplements  # a custom entry dosed in mg: a supplement, not food
    assert s.line == 2 and s.elemental_mg == 0.0
    (e,) = d.entries  # a custom recipe with no values: unknown, not zero, not dropped
    assert e.line == 3 and e.reported is not None
    assert all(v is None for v in e.reported.values())
    assert "unknown" in e.notes[0]
