"""Personalised magnesium plan: a mixed-integer linear programme solved with HiGHS.

:func:`make_plan` orchestrates three public steps, usable on their own (e.g. by a service
that keeps the formulation, or a cohort that times the solver):

* :func:`formulate` ``(assessment, options, diary=...) -> Formulation``: the programme as
  plain numpy data (costs, sparse rows, bounds, integrality) with what the columns mean;
* :func:`solve` ``(formulation) -> Solution``: status, ``x``, objective and ``solve_ms``, the
  solver's time only;
* :func:`interpret` ``(formulation, solution, assessment, diary=...) -> Plan``: steps in
  household measures with reasons, the supplement, the full-model check and the binding rules.

Order of work (:func:`make_plan`):

1. Assess the diary and profile; classify safety (``magnerve.conditions``): advanced kidney
   disease (CKD stage 4-5, eGFR < 30, dialysis) returns ``status="refer"`` with no
   magnesium-raising plan; other conditions route any supplement "with your clinician".
2. Review the person's own supplements: reduce to the UL, switch poorly absorbed forms to
   citrate, split large doses, take with meals (``supplement_changes``).
3. If total intake already meets the target (EAR, RDA or an IOM confidence), stop: no change,
   no supplement.
4. Otherwise solve the MILP.

Decision variables (per candidate food ``f``, a familiar food or one already eaten, and
supplement option ``o``):

* ``p_f`` integer half servings added (serving = FDA RACC in the food's own household measure,
  scaled for children);
* ``q_f`` integer quarters of the current amount removed (only poorer-than-average magnesium
  sources eaten in non-trivial amounts, or foods outside the pattern, which must go);
* ``y_o`` binary choice of one supplement dose (25 mg steps up to the UL left).

Objective: least departure, ``sum c_p p + sum c_q q + sum c_o y``: familiar foods cheaper than
new ones, legumes/nuts/seeds/whole grains preferred, oxalate-rich greens dearer, supplements much
dearer than food (food first). Weights in ``data/plan.toml``.

Constraints (all linear in intake): magnesium intake >= target; energy within its band (up to the
estimated need); calcium >= min(current, EAR); protein >= min(current, RDA); potassium and
phosphorus not rising in CKD stage 3 / unknown stage; zinc, vitamin D <= UL; vitamin B6 <= EFSA
UL; sodium <= max(current, CDRR); supplemental magnesium <= UL; caps per food, per category
(scaled with energy), per food family and on new foods; one food at most half of the magnesium
gap; Ca:Mg only when asked (adults). An elastic column on each bounded side of each row names
conflicts in words when no plan is feasible; binding rows and duals come from the LP
relaxation. Only columns that can move exist (no column for a food that cannot be added or
reduced), which halves the model over all foods.

Absorption does not enter the model: it is a sensitivity reported after the solve (the plan is
re-assessed with the full model, and ``worst_case`` varies the absorption Km).
"""

from __future__ import annotations

from magnerve.plan._formulate import CSRMatrix
from magnerve.plan._model import (
    Formulation,
    Plan,
    PlanChange,
    PlanError,
    PlanOptions,
    Solution,
    SupplementOption,
    formulate,
    interpret,
    make_plan,
    solve,
)

__all__ = [
    "CSRMatrix",
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
