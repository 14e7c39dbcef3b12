"""Personalised magnesium plan: a mixed-integer linear programme solved with HiGHS.

Decision variables (per candidate SR28 food ``f`` and supplement option ``o``):

* ``p_f`` integer servings per day added (0 .. max, in the food's own household measure);
* ``m_f`` servings removed from what the diary shows (continuous, 0 .. current);
* ``z_f`` binary "new food" indicator (``p_f <= max * z_f``) for foods not eaten now;
* ``y_o`` binary choice of one supplement option (form, tablet size, tablets, times a day).

Objective: least departure from the current diet, ``sum w_f (p_f + m_f) + sum c z_f +
sum c_o y_o``, with familiar foods cheaper to change than new ones (weights in
``data/plan.toml``; "fewest changes" multiplies the new-food cost).

Constraints: reference-equivalent magnesium >= target (EAR, RDA, or the mean needed for a
chosen confidence of adequacy by the IOM method), with a *linearised* absorption model; energy
within +/-10 %; Ca:Mg in the 1.7-2.8 band; zinc and vitamin D <= UL, vitamin B6 <= EFSA UL,
sodium <= max(current, 2300 mg); supplemental magnesium <= UL. Safety rules are constraints:
no supplement variables exist at eGFR < 30 or with CKD, and no option exceeds the UL.

Linearisation (documented error): food magnesium added to a meal is absorbed at the chord
slope of the saturable model between the current mean meal load and that load plus the EAR,
minus the phytate penalty of the added food on the meal; removed magnesium is lost at the
meal's average fractional absorption. Both are conservative for a concave absorption curve
inside that range. Every plan is then re-assessed with the full (non-linear) model; if it
falls short, the target is raised by the shortfall and the model solved again (at most 3
times). The reported "after" figures are always from the full model.
"""

from __future__ import annotations

from magnerve.plan._model import Plan, PlanChange, PlanError, make_plan

__all__ = ["Plan", "PlanChange", "PlanError", "make_plan"]
