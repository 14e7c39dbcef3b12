"""``analyse``: the whole pipeline as named steps into one typed result (pvlib's ModelChain
spirit).

Steps, in order, each a function of what came before:

``assess``
    diary + profile -> :class:`magnerve.assessment.Assessment` (intake, absorption,
    adequacy, interactions, clinical markers, findings, safety);
``plan``
    the assessment -> :class:`magnerve.plan.Plan` (not re-assessed);
``models``
    the assessment (and plan) -> homeostasis trajectories (a model, not a measurement).

The result, :class:`Analysis`, records the reference data's content hash
(:mod:`magnerve.registry`) and each step's time. ``summary()`` gives plain text,
``to_dict()`` the JSON.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from magnerve.assessment import Assessment, assess
from magnerve.diary import Diary
from magnerve.profile import Profile
from magnerve.registry import get_registry

__all__ = ["Analysis", "StepTime", "analyse", "homeostasis_scenarios"]


@dataclass(frozen=True, slots=True)
class StepTime:
    """How long a step took [ms]."""

    step: str
    ms: float


@dataclass(frozen=True, slots=True)
class Analysis:
    """The result of :func:`analyse`.

    Attributes
    ----------
    assessment : Assessment
    plan : Plan or None
        Present when the ``plan`` step ran.
    models : dict or None
        Homeostasis trajectories (current intake, and the plan's) when the ``models`` step ran.
    data_hash : str
        Content hash of the reference data used (:attr:`magnerve.registry.Registry.hash`).
    steps : tuple of StepTime
    """

    assessment: Assessment
    plan: Any = None
    models: dict[str, Any] | None = None
    data_hash: str = ""
    steps: tuple[StepTime, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping: the assessment's JSON, the plan's, the models and provenance.

        The dump of :class:`magnerve.schemas.AnalysisOut` (``docs/schema/analysis.json``).
        """
        from magnerve.schemas import AnalysisOut, dump

        raw = {
            "assessment": self.assessment.to_dict(),
            "plan": None if self.plan is None else self.plan.to_dict(),
            "models": self.models,
            "reference_data": {"hash": self.data_hash},
            "steps": [{"step": s.step, "ms": round(s.ms, 2)} for s in self.steps],
        }
        return dump(AnalysisOut.model_validate(raw))

    def summary(self) -> str:
        """A few plain lines: intake, adequacy, the main findings and the plan's status."""
        from magnerve._text import format_probability

        d = self.assessment.to_dict()
        m = d["intake"]["mean"]
        ad = d["adequacy"]
        lines = [
            "Magnesium analysis (screening and education, not diagnosis)",
            f"intake {m['total_mg'] or 0:.0f} mg/day over {d['intake']['n_days']} day(s); "
            f"EAR {ad.get('ear')}, RDA {ad.get('rda')} mg/day",
        ]
        if ad.get("confidence_adequate") is not None:
            lines.append(
                "confidence that usual intake is adequate: "
                + format_probability(ad["confidence_adequate"])
            )
        elif ad.get("declined"):
            lines.append("individual adequacy method declined: " + ad["declined"])
        for f in self.assessment.findings[:5]:
            lines.append(f"- [{f.severity}] {f.title}")
        if self.plan is not None:
            lines.append(f"plan: {self.plan.status}. {self.plan.summary}".strip())
        return "\n".join(lines)


def analyse(
    diary: Diary,
    profile: Profile,
    *,
    plan: bool | Mapping[str, Any] = True,
    models: bool = False,
    days: float = 120.0,
) -> Analysis:
    """Run the pipeline on a diary and a profile.

    Parameters
    ----------
    diary : Diary
        A read diary (problems handled by the caller).
    profile : Profile
        A validated profile.
    plan : bool or mapping, default True
        Make a plan; a mapping gives :func:`magnerve.plan.make_plan` options
        (``{"pattern": "vegan", "target": "ear"}``).
    models : bool, default False
        Simulate homeostasis for the current intake (and the plan).
    days : float, default 120
        Simulated days [d].

    Returns
    -------
    Analysis
    """
    steps: list[StepTime] = []

    def timed(name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        out = fn(*args, **kwargs)
        steps.append(StepTime(name, (time.perf_counter() - t) * 1000.0))
        return out

    a: Assessment = timed("assess", assess, diary, profile)
    p = None
    if plan:
        from magnerve.plan import make_plan

        opts = dict(plan) if isinstance(plan, Mapping) else {}
        p = timed("plan", make_plan, diary, profile, assessment=a, **opts)
    sims = None
    if models:
        sims = timed("models", _homeostasis, a, p, profile, days)
    return Analysis(a, p, sims, get_registry().hash, tuple(steps))


def homeostasis_scenarios(
    a: Assessment, plan: Any, profile: Profile, days: float
) -> dict[str, Any]:
    """Homeostasis trajectories for the current intake (and the plan's, when given).

    Returns
    -------
    dict
        ``absorbed`` (scenario -> absorbed magnesium [mg/day]), ``series`` (scenario ->
        trajectory as a dict), ``notes``, and the model inputs ``mods`` and ``body`` used.
    """
    from magnerve.physiology.homeostasis import body_inputs, modifiers_for, simulate

    mods, notes = modifiers_for(profile, a.nutrients_mean.get("caffeine_mg"))
    body = body_inputs(profile, a.egfr, a.egfr_source)
    now = a.to_dict()["absorption"]["mean_absorbed_mg"] or 0.0
    scen = {"current intake": now}
    if plan is not None and plan.after is not None:
        scen["plan"] = plan.after["absorbed_mg"]
    series = {
        k: simulate(
            v,
            days,
            start_absorbed_mg=now,
            mods=mods,
            egfr=body.egfr,
            weight_kg=body.weight_kg,
            initial_serum_mmol_l=body.initial_serum_mmol_l,
        ).to_dict()
        for k, v in scen.items()
    }
    return {"absorbed": scen, "series": series, "notes": notes, "mods": mods, "body": body}


def _homeostasis(a: Assessment, plan: Any, profile: Profile, days: float) -> dict[str, Any]:
    h = homeostasis_scenarios(a, plan, profile, days)
    return {"notes": h["notes"], "series": h["series"]}
