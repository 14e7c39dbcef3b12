"""The plan's orchestrator: safety, the person's own supplements, then formulate -> solve ->
interpret (see the package docstring for the formulation)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from magnerve.assessment import Assessment, assess
from magnerve.diary import Diary
from magnerve.profile import Profile

from ._formulate import Formulation, SupplementOption, formulate
from ._interpret import interpret, levers
from ._result import Plan, PlanChange, assessment_summary
from ._rules import (
    PlanError,
    PlanOptions,
    current_total_mg,
    magnesium_reference,
    plan_data,
    plan_safety,
    plan_target,
    supplement_review,
)
from ._rules import _choking as _choking  # re-exported for the tests
from ._rules import _excluded as _excluded
from ._rules import familiar_food_ids as familiar_food_ids
from ._rules import portion_scale as portion_scale
from ._rules import settings as settings  # plan.toml as written (read-only), for the tests
from ._solve import Solution, solve

__all__ = [
    "Formulation",
    "Plan",
    "PlanChange",
    "PlanError",
    "PlanOptions",
    "Solution",
    "SupplementOption",
    "formulate",
    "interpret",
    "make_plan",
    "solve",
]


def make_plan(
    diary: Diary,
    profile: Profile,
    *,
    pattern: str = "omnivore",
    exclude: Sequence[str] = (),
    exclude_foods: Sequence[str] = (),
    supplements: bool = True,
    supplement_forms: Sequence[str] | None = None,
    target: str | float = "rda",
    fewest_changes: bool = False,
    scope: str = "filtered",
    ca_mg_band: str = "none",
    assessment: Assessment | None = None,
) -> Plan:
    """Plan food changes (and, only if needed, a supplement) to reach a magnesium target, safely.

    Runs the person's safety routing and supplement review, then :func:`formulate`,
    :func:`solve` and :func:`interpret`.

    Parameters
    ----------
    diary, profile
        The person's diary (problems handled) and validated profile.
    pattern : {"omnivore", "pescatarian", "vegetarian", "vegan"}
    exclude : sequence of str
        Exclusions from ``data/plan.toml`` (tree_nuts, peanuts, gluten, soy, dairy, fish,
        shellfish, egg).
    exclude_foods : sequence of str
        Words of foods never to suggest (e.g. "liver").
    supplements : bool
        Offer a magnesium supplement when food cannot reach the target (never with advanced
        kidney disease; "with your clinician" where a condition calls for it).
    supplement_forms : sequence of str, optional
        Forms the plan may suggest (default: ``data/plan.toml`` [supplements] forms).
    target : "ear", "rda" or a confidence in (0, 1)
        Magnesium intake target [mg/day]: the EAR, the RDA, or the mean intake giving that
        confidence of adequacy with the diary's number of days (IOM 2000). Intake is judged
        against the EAR (IOM 2000); absorption is reported as a sensitivity.
    fewest_changes : bool
        Penalise each new food more (fewer, larger changes).
    scope : {"filtered", "all"}
        Candidate foods: generic survey foods (default) or all SR28 foods.
    ca_mg_band : {"none", "upper", "both"}
        Ca:Mg is advice for adults, not a constraint (default "none"); "upper" keeps it at or
        below 2.8 and "both" within 1.7-2.8 (adults only; calcium never below its EAR).
    assessment : Assessment, optional
        The assessment of this diary and profile, when already made (it is not made again).

    Returns
    -------
    Plan
        ``solve_ms`` is the solver's time only [ms]; ``total_ms`` the whole call [ms].

    Raises
    ------
    PlanError
        For bad options (``loc`` names the option) or a life stage without a target.
    """
    t_start = time.perf_counter()
    options = PlanOptions(
        pattern,
        tuple(exclude),
        tuple(exclude_foods),
        supplements,
        None if supplement_forms is None else tuple(supplement_forms),
        target,
        fewest_changes,
        scope,
        ca_mg_band,
    )
    base0 = assessment if assessment is not None else assess(diary, profile)
    ref = magnesium_reference(base0)
    safety = plan_safety(base0)
    before = assessment_summary(base0)

    # the person's own supplements first: reduce above the UL, switch poorly absorbed forms
    profile2, supp_changes = supplement_review(profile, ref.ul, safety.refer)
    base = assess(diary, profile2) if profile2 is not profile else base0
    target_mg, target_info = plan_target(base, options.target)

    def done(plan: Plan) -> Plan:
        plan.total_ms = (time.perf_counter() - t_start) * 1000.0
        return plan

    # advanced kidney disease: refer, no magnesium- or potassium-raising plan
    if safety.refer:
        sc = plan_data().safety
        return done(
            Plan(
                "refer",
                [],
                None,
                before,
                before,
                target_info,
                [],
                [],
                None,
                0.0,
                list(safety.notes),
                0,
                supp_changes,
                {
                    "to": sc.refer_to_kidney,
                    "reason": sc.refer_reason_kidney,
                    "kidney": base.kidney.to_dict(),
                },
                safety.to_dict(),
                f"Please see {sc.refer_to_kidney}: {base.kidney.label}. magnerve does "
                "not make a magnesium plan at this stage of kidney disease.",
            )
        )

    cur_total = current_total_mg(base)
    if cur_total >= target_mg - 1e-9:
        msg = (
            f"Your magnesium intake ({cur_total:.0f} mg/day) already meets the target "
            f"({target_mg:.0f} mg/day): no change is needed for magnesium."
        )
        notes = [*safety.notes, *safety.medicine_review, *levers(base)]
        return done(
            Plan(
                "optimal",
                [],
                None,
                before,
                assessment_summary(base),
                target_info,
                [],
                [],
                None,
                0.0,
                notes,
                0,
                supp_changes,
                None,
                safety.to_dict(),
                msg,
            )
        )

    formulation = formulate(base, options, diary=diary)
    solution = solve(formulation)
    plan = interpret(
        formulation,
        solution,
        base,
        diary=diary,
        before=before,
        supplement_changes=supp_changes,
    )
    return done(plan)
