"""Persona fixtures for advice tests: twelve-plus people across life stages, pregnancy, kidney
function, medicines, diets and supplements (fictional; diaries of real SR28 foods)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from magnerve.diary import Diary, read_diary
from magnerve.profile import Profile, parse_profile

_DATES = ["2026-11-16", "2026-11-17", "2026-11-18"]


@dataclass(frozen=True)
class Persona:
    """A person: profile data and a day of meals repeated (with small variations) over 3 days."""

    key: str
    profile: dict[str, Any]
    meals: dict[str, list[tuple[str, float | None, str | None]]]
    variations: list[dict[str, list[tuple[str, float | None, str | None]]]] = field(
        default_factory=list
    )

    def diary_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["date", "meal", "food", "amount", "unit"])
        for k, day in enumerate(_DATES):
            meals = dict(self.meals)
            if self.variations:
                meals.update(self.variations[k % len(self.variations)])
            for meal, items in meals.items():
                for food, amount, unit in items:
                    w.writerow([day, meal, food, "" if amount is None else amount, unit or ""])
        return buf.getvalue()


def build(p: Persona, tmp_dir: Any) -> tuple[Diary, Profile]:
    """Diary and validated profile of a persona (the diary is written to ``tmp_dir``)."""
    path = tmp_dir / f"{p.key}.csv"
    path.write_text(p.diary_csv(), encoding="utf-8")
    diary = read_diary(path)
    diary.raise_for_problems()
    return diary, parse_profile(p.profile, p.key)


OMNI_ADULT = {
    "breakfast": [("rolled oats", 0.5, "cup"), ("whole milk", 1, "cup"), ("banana", 1, None)],
    "lunch": [
        ("white bread", 2, "slice"),
        ("cheddar cheese", 1, "oz"),
        ("apple", 1, None),
    ],
    "dinner": [
        ("chicken breast, roasted", 100, "g"),
        ("white rice, cooked", 1, "cup"),
        ("broccoli, cooked", 0.5, "cup"),
    ],
}

PERSONAS: list[Persona] = [
    Persona(
        "vegan_woman_25",
        {"person": {"age": 25, "sex": "female", "weight_kg": 60}},
        {
            "breakfast": [("rolled oats", 1, "cup"), ("soymilk", 1, "cup"), ("banana", 1, None)],
            "lunch": [
                ("lentils, cooked", 1, "cup"),
                ("chickpeas, cooked", 1, "cup"),
                ("whole-wheat bread", 2, "slice"),
            ],
            "snack": [("almonds", 1, "oz"), ("pumpkin seeds", 0.5, "oz")],
            "dinner": [("firm tofu", 0.5, "cup"), ("brown rice, cooked", 1, "cup")],
        },
    ),
    Persona(
        "pregnant_17",
        {"person": {"age": 17, "sex": "female", "pregnant": True, "weight_kg": 58}},
        OMNI_ADULT,
    ),
    Persona(
        "pregnant_32_above_rda",
        {"person": {"age": 32, "sex": "female", "pregnant": True, "weight_kg": 68}},
        {
            "breakfast": [("rolled oats", 1, "cup"), ("whole milk", 1, "cup"), ("banana", 1, None)],
            "lunch": [("black beans, cooked", 1, "cup"), ("brown rice, cooked", 1, "cup")],
            "snack": [("almonds", 1, "oz"), ("plain yogurt", 1, "cup")],
            "dinner": [("salmon, cooked", 100, "g"), ("spinach, cooked", 0.5, "cup")],
        },
    ),
    Persona(
        "toddler_2",
        {"person": {"age": 2, "sex": "male", "weight_kg": 12}},
        {
            "breakfast": [("whole milk", 1, "cup"), ("corn flakes", 0.5, "cup")],
            "lunch": [("white bread", 1, "slice"), ("cheddar cheese", 0.5, "oz")],
            "snack": [("apple", 0.5, None), ("whole milk", 0.5, "cup")],
            "dinner": [("white rice, cooked", 0.25, "cup"), ("carrots, cooked", 0.25, "cup")],
        },
    ),
    Persona(
        "child_6_cheese",
        {"person": {"age": 6, "sex": "female", "weight_kg": 21}},
        {
            "breakfast": [("whole milk", 1, "cup"), ("corn flakes", 1, "cup")],
            "lunch": [("white bread", 2, "slice"), ("cheddar cheese", 1.5, "oz")],
            "snack": [("string cheese", 1, "oz"), ("apple", 1, None)],
            "dinner": [("pasta, cooked", 1, "cup"), ("whole milk", 1, "cup")],
        },
    ),
    Persona(
        "man_75_ppi_loop_egfr45",
        {
            "person": {"age": 75, "sex": "male", "weight_kg": 80},
            "health": {"egfr": 45, "medications": ["omeprazole", "furosemide"]},
        },
        OMNI_ADULT,
    ),
    Persona(
        "woman_60_egfr25",
        {"person": {"age": 60, "sex": "female", "weight_kg": 70}, "health": {"egfr": 25}},
        OMNI_ADULT,
    ),
    Persona(
        "athlete_3500",
        {"person": {"age": 24, "sex": "male", "weight_kg": 80}},
        {
            "breakfast": [
                ("rolled oats", 1.5, "cup"),
                ("whole milk", 2, "cup"),
                ("banana", 2, None),
                ("peanut butter", 2, "tbsp"),
            ],
            "lunch": [
                ("white rice, cooked", 2, "cup"),
                ("chicken breast, roasted", 200, "g"),
                ("broccoli, cooked", 1, "cup"),
            ],
            "snack": [("plain yogurt", 1, "cup"), ("apple", 1, None), ("white bread", 2, "slice")],
            "dinner": [
                ("pasta, cooked", 2, "cup"),
                ("ground beef, cooked", 150, "g"),
                ("orange juice", 1, "cup"),
            ],
        },
    ),
    Persona(
        "heavy_drinker_45",
        {
            "person": {"age": 45, "sex": "male", "weight_kg": 90},
            "lifestyle": {"alcohol_drinks_per_week": 35},
        },
        {
            **OMNI_ADULT,
            "evening": [("beer", 3, "can")],
        },
    ),
    Persona(
        "woman_50_on_500mg_oxide",
        {
            "person": {"age": 50, "sex": "female", "weight_kg": 65},
            "supplements": [
                {
                    "name": "Magnesium oxide 500 mg",
                    "form": "oxide",
                    "elemental_mg": 500,
                    "with_food": False,
                }
            ],
        },
        OMNI_ADULT,
    ),
    Persona(
        "ckd_stage4_words",
        {
            "person": {"age": 66, "sex": "male", "weight_kg": 78},
            "health": {"conditions": ["CKD stage 4"]},
        },
        OMNI_ADULT,
    ),
    Persona(
        "renal_insufficiency_words",
        {
            "person": {"age": 70, "sex": "female", "weight_kg": 62},
            "health": {"conditions": ["renal insufficiency"]},
        },
        OMNI_ADULT,
    ),
    Persona(
        "unknown_condition",
        {
            "person": {"age": 40, "sex": "female", "weight_kg": 64},
            "health": {"conditions": ["Ehlers-Danlos syndrome"]},
        },
        OMNI_ADULT,
    ),
    Persona(
        "teen_girl_15",
        {"person": {"age": 15, "sex": "female", "weight_kg": 52}},
        OMNI_ADULT,
    ),
    Persona(
        "low_serum_t2d_58",
        {
            "person": {"age": 58, "sex": "male", "weight_kg": 92},
            "health": {"diabetes": "type2"},
            "labs": {"serum_magnesium": "0.68 mmol/L"},
        },
        OMNI_ADULT,
    ),
]


@cache
def by_key() -> dict[str, Persona]:
    return {p.key: p for p in PERSONAS}
