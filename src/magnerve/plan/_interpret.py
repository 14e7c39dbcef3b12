"""Interpret a solved plan: steps in household measures with reasons, the supplement, the
full-model check, binding rules and the absorption sensitivity."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from magnerve.assessment import Assessment, assess
from magnerve.diary import Diary, DiaryEntry
from magnerve.foods import FoodDatabase, FoodRef, ParsedLine, friendly_name, load_database
from magnerve.profile import Supplement
from magnerve.registry import get_registry

from ._formulate import CSRMatrix, Formulation
from ._result import Plan, PlanChange, assessment_summary
from ._rules import FloatArray, _allowed, plan_data, plan_safety
from ._solve import Solution, solve_lp

_CATEGORY_REASON = {
    "legumes": "beans, lentils and peas are among the richest everyday sources of magnesium",
    "soy": "soy foods such as tofu are good sources of magnesium",
    "nuts_seeds": "nuts and seeds are among the richest sources of magnesium (a small handful)",
    "nut_butters": "nut and seed butters carry the magnesium of the nuts",
    "whole_grains": "whole grains keep the magnesium that refining removes",
    "hot_cereal": "whole-grain cereals keep the magnesium that refining removes",
    "breakfast_cereals": "a whole-grain cereal adds magnesium at breakfast",
    "vegetables": "vegetables add magnesium and fibre",
    "oxalate_greens": "leafy greens are rich in magnesium, though their oxalate lowers how much "
    "is absorbed (kept to one portion)",
    "fruits": "fruit adds some magnesium",
    "milk": "milk adds magnesium and calcium",
    "yogurt": "yogurt adds magnesium and calcium",
    "fish": "fish adds magnesium",
}


def conflict_message(name: str) -> str:
    """A broken soft row in plain words."""
    return {
        "magnesium_target": "no realistic combination of foods reaches the magnesium target "
        "within the portion limits",
        "energy_up": "the additions would add too much energy",
        "energy_down": "removals would cut energy too far",
        "calcium_floor": "calcium would fall below its requirement",
        "protein_floor": "protein would fall below its requirement",
        "potassium_no_rise": "potassium must not rise (kidney disease)",
        "phosphorus_no_rise": "phosphorus must not rise (kidney disease)",
        "supplement_ul": "supplemental magnesium would exceed the upper level",
        "sodium_limit": "sodium would rise above its limit",
        "zinc_ul": "zinc would exceed its upper level",
        "vitamin_d_ul": "vitamin D would exceed its upper level",
        "vitamin_b6_efsa_ul": "vitamin B6 would exceed the EFSA upper level",
    }.get(name, name.replace("_", " "))


def levers(a: Assessment) -> list[str]:
    """Caffeine and alcohol offered as levers with their modelled (qualitative) effect."""
    out = []
    caffeine = a.nutrients_mean.get("caffeine_mg") or 0.0
    drinks = (a.profile.lifestyle.alcohol_drinks_per_week or 0.0) / 7
    reg = get_registry()
    caffeine_high = float(reg.section("interactions").lifestyle.caffeine_high_mg_per_day)
    above = reg.section("clinical_markers").mds.drinks_per_day_above
    drinks_high = float(above[a.profile.person.sex])
    if caffeine > caffeine_high:
        out.append(
            f"lever: caffeine {caffeine:.0f} mg/day; cutting down reduces a small extra urinary "
            "magnesium loss (Kynast-Gales & Massey 1994: about 4 mg per day after two large doses)"
        )
    if drinks > drinks_high:
        out.append(
            f"lever: alcohol {drinks:.1f} drinks/day; drinking less reduces urinary magnesium loss "
            "(alcohol raises it acutely, Flink 1986)"
        )
    return out


class _Chosen:
    """The solution per food: half servings added, quarters removed, the option chosen."""

    def __init__(self, f: Formulation, x: FloatArray) -> None:
        nf = len(f.foods)
        self.pv = np.zeros(nf)
        self.qv = np.zeros(nf)
        self.pv[f.add_foods] = np.round(x[f.add_columns])
        self.qv[f.remove_foods] = np.round(x[f.remove_columns])
        yv = x[f.option_columns]
        self.option = f.options[int(np.argmax(yv))] if f.options and float(yv.max()) > 0.5 else None


def _changes(f: Formulation, ch: _Chosen, db: FoodDatabase) -> list[PlanChange]:
    mg_col = db.nutrient_position("magnesium_mg")
    o = f.options_asked
    out = []
    for k in np.flatnonzero((ch.pv > 0.5) | (ch.qv > 0)).tolist():
        i = int(f.food_rows[k])
        added = float(ch.pv[k])
        removed_share = float(ch.qv[k]) / 4.0
        mg100 = float(np.nan_to_num(db.matrix[i, mg_col]))
        name = friendly_name(db.descriptions[i])
        if added > 0.5:
            unit, amt, g = f.serving_unit[k], float(f.serving_amount[k]), float(f.serving_grams[k])
            added /= 2.0  # half servings -> servings
            mg = mg100 * g * added / 100.0
            familiar = f.current_grams[k] > 0
            why = f"adds about {mg:.0f} mg of magnesium a day"
            if familiar:
                why += "; you already eat it"
            cat_why = _CATEGORY_REASON.get(f.categories[k])
            if cat_why:
                why += f"; {cat_why}"
            out.append(
                PlanChange(
                    db.ids[i],
                    db.descriptions[i],
                    "increase" if familiar else "add",
                    amt * added,
                    unit,
                    g * added,
                    f.meals[k],
                    mg,
                    why,
                    name,
                )
            )
        elif removed_share > 0:
            grams = float(f.current_grams[k]) * removed_share
            mg = -mg100 * grams / 100.0
            if f.forced[k]:
                why = (
                    f"not part of a {o.pattern} diet"
                    if not _allowed(db, i, o.pattern, (), ())
                    else "excluded by your choices ("
                    + ", ".join([str(x) for x in (*o.exclude, *o.exclude_foods)])
                    + ")"
                )
            else:
                why = (
                    "makes room for the added foods so that energy stays near what you eat "
                    "now; it gives little magnesium for its calories"
                )
            action = "remove" if removed_share >= 1.0 - 1e-9 else "decrease"
            share_text = {0.25: "a quarter", 0.5: "half", 0.75: "three quarters"}
            out.append(
                PlanChange(
                    db.ids[i],
                    db.descriptions[i],
                    action,
                    removed_share,
                    share_text.get(removed_share, f"{removed_share:.0%}") + " of what you eat now:",
                    grams,
                    f.meals[k],
                    mg,
                    why,
                    name,
                )
            )
    out.sort(key=lambda c: (c.action in ("remove", "decrease"), -abs(c.magnesium_mg)))
    return out


def _modified_diary(
    diary: Diary,
    removed_share: dict[str, float],
    added: list[tuple[int, float, str | None]],
    db: FoodDatabase,
) -> Diary:
    """Apply a plan to every day of the diary (removals scale current portions; additions are
    new lines at the chosen meal)."""
    entries: list[DiaryEntry] = []
    days = sorted({e.date for e in diary.entries})
    line = max((e.line for e in diary.entries), default=0)
    for e in diary.entries:
        if e.parsed is not None and e.parsed.food.id in removed_share:
            keep = 1.0 - removed_share[e.parsed.food.id]
            if keep <= 1e-9:
                continue
            e = replace(e, parsed=replace(e.parsed, grams=e.parsed.grams * keep))
        entries.append(e)
    for i, grams, meal in added:
        for d in days:
            line += 1
            parsed = ParsedLine(
                "plan", FoodRef(db.ids[i], db.descriptions[i]), grams, "g", grams, None, 1.0
            )
            entries.append(DiaryEntry(line, d, None, meal, parsed, name=db.descriptions[i]))
    return Diary(entries, [], diary.source + " + plan", len(entries))


def evaluate(
    f: Formulation,
    solution: Solution,
    assessment: Assessment,
    *,
    diary: Diary,
    km: float | None = None,
) -> Assessment:
    """Re-assess the diary with the plan applied, with the full model.

    Parameters
    ----------
    f, solution
        The plan.
    assessment : Assessment
        The assessment the plan was formulated from (its profile is used).
    diary : Diary
        The diary assessed.
    km : float, optional
        Absorption half-saturation constant [mg] (default: the model's).
    """
    if solution.x is None:
        raise ValueError("the solution has no values (solver error)")
    ch = _Chosen(f, solution.x)
    db = load_database()
    removed: dict[str, float] = {}
    added: list[tuple[int, float, str | None]] = []
    for k in range(len(f.foods)):
        if ch.qv[k] > 0 and f.current_grams[k] > 0:
            removed[f.foods[k]] = min(1.0, float(ch.qv[k]) / 4.0)
        n = round(float(ch.pv[k]))
        if n > 0:
            added.append((int(f.food_rows[k]), n * float(f.serving_grams[k]) / 2.0, f.meals[k]))
    profile = assessment.profile
    o = ch.option
    if o is not None:
        s = Supplement(
            name=f"magnesium {o.form} (plan)",
            form=o.form,
            elemental_mg=o.elemental_mg_per_day / o.times_per_day,
            times_per_day=o.times_per_day,
            with_food=True,
        )
        profile = profile.model_copy(update={"supplements": [*profile.supplements, s]})
    return assess(_modified_diary(diary, removed, added, db), profile, absorption_km=km)


def _worst_case(
    f: Formulation, solution: Solution, assessment: Assessment, diary: Diary
) -> dict[str, Any]:
    """Absorption sensitivity: effective and reference-equivalent intake at both ends of the
    Km range (``data/absorption.toml`` [model.km] range)."""
    km_range = get_registry().section("absorption").model.km.range
    assert km_range is not None  # the absorption section requires it
    lo, hi = km_range
    eff: dict[str, float] = {}
    re: dict[str, float] = {}
    for km in (lo, hi):
        d = evaluate(f, solution, assessment, diary=diary, km=km).to_dict()["absorption"]
        eff[f"km_{km:g}"] = float(d["effective_intake_mg"] or 0.0)
        re[f"km_{km:g}"] = float(d["reference_equivalent_mg"] or 0.0)
    worst = min(eff.values())
    return {
        "effective_intake_mg_by_km": eff,
        "worst_effective_intake_mg": worst,
        "reference_equivalent_mg_by_km": re,
        "worst_reference_equivalent_mg": min(re.values()),
        "meets_target_in_worst_case": worst >= f.target_mg - 1e-6,
        "note": "absorption sensitivity: intake scaled by modelled absorption (band "
        "0.75-1.25), with the half-saturation constant Km over 36-66 mg",
    }


def binding_rows(f: Formulation) -> list[dict[str, Any]]:
    """Binding soft rows and their dual values, from the LP relaxation of the formulation."""
    ns = len(f.soft_rows)
    A, lo, hi = f.A, f.row_lower, f.row_upper
    a_ub_parts = []
    b_ub = []
    names = []
    for r in range(ns):
        if math.isfinite(hi[r]):
            a_ub_parts.append(A.rows([r]))
            b_ub.append(hi[r])
            names.append((f.soft_rows[r], "upper"))
        if math.isfinite(lo[r]):
            a_ub_parts.append(-A.rows([r]))
            b_ub.append(-lo[r])
            names.append((f.soft_rows[r], "lower"))
    link = A.rows(np.arange(ns, A.shape[0]))
    a_ub = CSRMatrix.vstack([*a_ub_parts, link, -link])
    b = np.concatenate(
        [
            b_ub,
            np.where(np.isfinite(hi[ns:]), hi[ns:], 1e9),
            np.where(np.isfinite(lo[ns:]), -lo[ns:], 1e9),
        ]
    )
    res = solve_lp(f.c, a_ub, b, f.lb, f.ub)  # no presolve: it costs more than it saves
    if res is None:
        return []
    duals = res.row_marginals[: len(names)]
    out = []
    for (name, side), dual in zip(names, duals, strict=True):
        if abs(dual) > 1e-7:
            out.append({"constraint": name, "side": side, "dual": round(float(-dual), 4)})
    return out


def interpret(
    formulation: Formulation,
    solution: Solution,
    assessment: Assessment,
    *,
    diary: Diary,
    before: dict[str, Any] | None = None,
    supplement_changes: Sequence[dict[str, Any]] = (),
) -> Plan:
    """Turn a solved formulation into the plan: steps, supplement, "after" figures, reasons.

    Parameters
    ----------
    formulation : Formulation
    solution : Solution
    assessment : Assessment
        The assessment the formulation was made from.
    diary : Diary
        The diary assessed (the plan is applied to it and re-assessed with the full model).
    before : dict, optional
        The plan's ``before`` figures (default: from ``assessment``).
    supplement_changes : sequence of dict
        Changes already made to the person's own supplements (counted as steps).

    Returns
    -------
    Plan
        ``total_ms`` is 0 here (:func:`make_plan` times the whole plan).
    """
    f = formulation
    cfg = plan_data()
    safety = plan_safety(assessment)
    notes: list[str] = [*safety.notes, *f.notes]
    supp_changes = list(supplement_changes)

    def plan(status: str, **kw: Any) -> Plan:
        return Plan(
            status,
            kw.get("changes", []),
            kw.get("supplement"),
            before if before is not None else assessment_summary(assessment),
            kw.get("after"),
            f.target,
            kw.get("conflicts", []),
            kw.get("binding", []),
            kw.get("worst"),
            solution.solve_ms,
            notes,
            f.n_candidates,
            supp_changes,
            None,
            safety.to_dict(),
            kw.get("summary", ""),
        )

    if solution.x is None:
        return plan(
            "error",
            conflicts=[{"constraint": "solver", "message": solution.message}],
            summary="The optimiser failed; please report this.",
        )
    x = solution.x
    if solution.status == "infeasible":
        slack = x[f.slack_columns]
        s_lo = np.zeros(len(f.soft_rows))
        s_hi = np.zeros(len(f.soft_rows))
        lower_side = f.slack_sign > 0
        s_lo[f.slack_rows[lower_side]] = slack[lower_side]
        s_hi[f.slack_rows[~lower_side]] = slack[~lower_side]
        conflicts = []
        for r, name in enumerate(f.soft_rows):
            if s_lo[r] > 1e-6 or s_hi[r] > 1e-6:
                conflicts.append(
                    {
                        "constraint": name,
                        "shortfall": round(float(s_lo[r]), 2) if s_lo[r] > 1e-6 else None,
                        "excess": round(float(s_hi[r]), 2) if s_hi[r] > 1e-6 else None,
                        "message": conflict_message(name),
                    }
                )
        msg = "No plan meets every rule: " + "; ".join(str(c["message"]) for c in conflicts) + "."
        if not f.supplement_allowed and f.options_asked.supplements:
            msg += " A supplement is not offered here; ask your clinician."
        return plan("infeasible", conflicts=conflicts, summary=msg)

    db = load_database()
    ch = _Chosen(f, x)
    changes = _changes(f, ch, db)
    supp = None if ch.option is None else ch.option.to_dict()
    if supp is not None:
        supp["with_food"] = True
        supp["reason"] = "food changes within realistic portions do not reach the target; " + str(
            cfg.supplements.form_reason
        )
        supp["with_clinician"] = bool(safety.with_clinician)
        supp["clinician_reasons"] = safety.with_clinician
        supp["monitor"] = safety.monitor
        supp["note"] = "take it with meals, apart from interacting medicines" + (
            "; only with your clinician's agreement" if safety.with_clinician else ""
        )
    after = assessment_summary(evaluate(f, solution, assessment, diary=diary))
    binding = binding_rows(f)
    worst = _worst_case(f, solution, assessment, diary)
    for cls in assessment.safety["drug_spacing"]:
        notes.append(
            f"space magnesium and {cls.replace('_', ' ')} doses (see the medicine's leaflet)"
        )
    notes += safety.medicine_review
    notes += levers(assessment)
    if len(f.foods) and bool(f.unknown_optional[ch.pv > 0.5].any()):
        notes.append(
            "some added foods have no SR28 value for vitamin D or B6: those limits used "
            "known values"
        )
    n_steps = len(changes) + (1 if supp else 0) + len(supp_changes)
    summary = (
        f"{n_steps} {'step takes' if n_steps == 1 else 'steps take'} magnesium intake from "
        f"{f.current_mg:.0f} to "
        f"{after['magnesium_mg']:.0f} mg/day (target {f.target_mg:.0f})."
    )
    if supp and safety.with_clinician:
        summary += (
            " The supplement only with your clinician: " + "; ".join(safety.with_clinician) + "."
        )
    return plan(
        "optimal",
        changes=changes,
        supplement=supp,
        after=after,
        binding=binding,
        worst=worst,
        summary=summary,
    )
