"""``magnerve assess|adequacy|mds|plan|simulate|demo``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from magnerve.cli._common import (
    SexChoice,
    Table,
    _emit_json,
    _fail,
    _load_diary,
    _load_profile,
    app,
    bounded,
    check_outputs,
    escape,
    out,
    write_output,
)

if TYPE_CHECKING:
    from magnerve.assessment import Assessment
    from magnerve.diary import Diary
    from magnerve.profile import Profile


@app.command("adequacy")
def adequacy_cmd(
    mean_intake: Annotated[
        float,
        typer.Option(
            "--mean-intake",
            help="Observed mean intake [mg/day].",
            callback=bounded("cli.adequacy.mean_intake"),
        ),
    ],
    age: Annotated[
        float, typer.Option("--age", help="Age [years].", callback=bounded("cli.adequacy.age"))
    ],
    sex: Annotated[SexChoice, typer.Option("--sex", help="female or male.")],
    days: Annotated[
        int,
        typer.Option(
            "--days", help="Days of intake observed.", callback=bounded("cli.adequacy.days")
        ),
    ] = 1,
    nutrient: Annotated[str, typer.Option("--nutrient", help="Nutrient.")] = "magnesium",
    within_sd: Annotated[
        float | None,
        typer.Option(
            "--within-sd",
            help="Day-to-day SD of intake [mg/day]; default: IOM table.",
            callback=bounded("cli.adequacy.within_sd"),
        ),
    ] = None,
    target_confidence: Annotated[
        float | None,
        typer.Option(
            "--target-confidence",
            help="Also give the mean intake needed for this confidence (0-1).",
        ),
    ] = None,
    pregnant: Annotated[bool, typer.Option("--pregnant")] = False,
    lactating: Annotated[bool, typer.Option("--lactating")] = False,
    authority: Annotated[str, typer.Option("--authority", help="iom (EAR needed).")] = "iom",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Confidence that usual intake is adequate (IOM 2000 individual method)."""
    from magnerve.adequacy import assess_individual
    from magnerve.requirements import RequirementError

    if target_confidence is not None and not 0 < target_confidence < 1:
        _fail("--target-confidence must be between 0 and 1, e.g. 0.975", code=2)
    try:
        res, ref, src = assess_individual(
            nutrient,
            mean_intake,
            days,
            age=age,
            sex=sex.value,
            pregnant=pregnant,
            lactating=lactating,
            within_person_sd=within_sd,
            target_confidence=target_confidence,
            authority=authority,
        )
    except (RequirementError, ValueError) as e:
        _fail(str(e), code=2)
        return
    data = {
        **res.to_dict(),
        "nutrient": nutrient,
        "unit": ref.unit,
        "rda": ref.rda,
        "life_stage": ref.life_stage,
        "authority": ref.authority,
        "reference_source": ref.source,
        "within_person_sd_source": src,
        "method": "IOM 2000 Applications in Dietary Assessment, individual assessment (z-score)",
    }
    if target_confidence is None:
        data.pop("required_mean_intake")
        data.pop("target_confidence")
    if as_json:
        _emit_json(data)
        return
    out.print(
        f"[bold]{nutrient}[/] {ref.life_stage} ({ref.authority}): EAR {res.ear:g}, RDA "
        f"{ref.rda:g} {ref.unit}; SD of requirement {res.requirement_sd:g}; day-to-day SD "
        f"{res.within_person_sd:g} ({escape(src)})",
        highlight=False,
    )
    out.print(
        f"Mean {res.mean_intake:g} {ref.unit} over {res.n_days} day(s): D = {res.d:.1f}, "
        f"SD_D = {res.sd_d:.1f}, z = {res.z:.2f} -> "
        f"[bold]{res.confidence_adequate:.0%}[/] confidence that usual intake is adequate.",
        highlight=False,
    )
    if res.required_mean_intake is not None:
        out.print(
            f"For {target_confidence:.1%} confidence with {res.n_days} day(s): a mean of "
            f"{res.required_mean_intake:.0f} {ref.unit} is needed.",
            highlight=False,
        )


@app.command("mds")
def mds_cmd(
    sex: Annotated[SexChoice, typer.Option("--sex", help="female or male.")],
    diuretic: Annotated[bool, typer.Option("--diuretic", help="Current diuretic use.")] = False,
    ppi: Annotated[bool, typer.Option("--ppi", help="Current proton-pump inhibitor use.")] = False,
    egfr: Annotated[
        float | None,
        typer.Option("--egfr", help="eGFR [mL/min/1.73 m2].", callback=bounded("cli.mds.egfr")),
    ] = None,
    creatinine: Annotated[
        float | None,
        typer.Option(
            "--creatinine",
            help="Serum creatinine [mg/dL] (eGFR by CKD-EPI 2021).",
            callback=bounded("cli.mds.creatinine"),
        ),
    ] = None,
    age: Annotated[
        float | None,
        typer.Option(
            "--age", help="Age [years], with --creatinine.", callback=bounded("cli.mds.age")
        ),
    ] = None,
    drinks_per_day: Annotated[
        float,
        typer.Option(
            "--drinks-per-day",
            help="Usual alcoholic drinks per day.",
            callback=bounded("cli.mds.drinks_per_day"),
        ),
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Magnesium Depletion Score (Fan et al. 2021): diuretic, PPI, kidney function, alcohol."""
    from magnerve.clinical import egfr_ckd_epi_2021, magnesium_depletion_score

    if egfr is None and creatinine is not None:
        if age is None:
            _fail("--creatinine needs --age to compute eGFR (CKD-EPI 2021)", code=2)
            return
        try:
            egfr = egfr_ckd_epi_2021(creatinine, age, sex.value)
        except ValueError as e:
            _fail(str(e), code=2)
            return
        from magnerve._bounds import bound

        b = bound("cli.mds.egfr")
        if not b.contains(egfr):
            _fail(
                f"--creatinine {creatinine:g} mg/dL gives an eGFR of {egfr:.0f} {b.unit}, outside "
                f"{b.describe()}: check the value and its unit (mg/dL; 1 mg/dL = 88.4 µmol/L)",
                code=2,
            )
    try:
        res = magnesium_depletion_score(
            diuretic=diuretic, ppi=ppi, egfr=egfr, drinks_per_day=drinks_per_day, sex=sex.value
        )
    except ValueError as e:
        _fail(str(e), code=2)
        return
    data = {**res.to_dict(), "egfr": egfr}
    if as_json:
        _emit_json(data)
        return
    parts = ", ".join(f"{k} {v}" for k, v in res.components.items())
    out.print(
        f"Magnesium Depletion Score [bold]{res.score}[/] of 5 (group {res.group}): {escape(parts)}",
        highlight=False,
    )
    for n in res.notes:
        out.print(f"  [yellow]note:[/] {escape(n)}", highlight=False)
    out.print("[dim]Screening aid, not a diagnosis. Fan et al. J Nutr 2021;151:2226.[/]")


def _print_assessment(data: dict[str, Any]) -> None:
    from magnerve._text import format_probability

    m = data["intake"]["mean"]
    ref = data["reference_intakes"]["magnesium"]
    out.print(
        "[bold]Magnesium assessment[/] — screening and education, not diagnosis", highlight=False
    )
    out.print(
        f"Intake {m['total_mg'] or 0:.0f} mg/day (food {m['food_mg'] or 0:.0f}, water "
        f"{m['water_mg'] or 0:.0f}, supplements {m['supplements_mg'] or 0:.0f}) over "
        f"{data['intake']['n_days']} days; EAR {ref['ear']}, RDA {ref['rda']} mg/day "
        f"({ref['life_stage']}).",
        highlight=False,
    )
    ad = data["adequacy"]
    if ad and ad.get("declined"):
        out.print(
            f"Individual adequacy method not used: {escape(ad['declined'])}.", highlight=False
        )
    elif ad:
        out.print(
            "Confidence that usual intake is adequate: "
            f"[bold]{format_probability(ad['confidence_adequate'])}[/] "
            f"(z = {ad['z']:.2f}); {ad['required_mean_intake']:.0f} mg/day would give 97.5 %.",
            highlight=False,
        )
    a = data["absorption"]
    re_ad = data.get("adequacy_reference_equivalent") or {}
    sens = (
        f"; if your meals absorb less than usual, confidence "
        f"{format_probability(re_ad['confidence_adequate'])}"
        if re_ad.get("confidence_adequate") is not None
        else ""
    )
    out.print(
        f"Absorption (a sensitivity, model): {a['mean_absorbed_mg']:.0f} mg/day absorbed; "
        f"effective intake about {a['effective_intake_mg'] or 0:.0f} mg/day{sens}.",
        highlight=False,
    )
    k = data.get("kidney") or {}
    if k.get("stage"):
        out.print(f"Kidney: {escape(k['label'])} ({escape(k['source'])}).", highlight=False)
    e = data.get("energy_reporting") or {}
    if e.get("magnesium_mg_per_1000_kcal") is not None:
        out.print(
            f"Energy {e['energy_kcal']:.0f} kcal/day; magnesium density "
            f"{e['magnesium_mg_per_1000_kcal']:.0f} mg per 1,000 kcal.",
            highlight=False,
        )
    mds = data["mds"]
    out.print(f"Magnesium Depletion Score {mds['score']}/5 (group {mds['group']}).")
    if data["serum"]:
        out.print(f"Serum: {escape(data['serum']['message'])}.", highlight=False)
    t = Table(title="Findings (most important first)")
    t.add_column("Severity")
    t.add_column("Finding")
    t.add_column("Evidence")
    colors = {"urgent": "bold red", "high": "red", "moderate": "yellow", "low": "green"}
    for f in data["findings"]:
        t.add_row(
            f"[{colors.get(f['severity'], 'white')}]{f['severity']}[/]",
            f"[bold]{escape(f['title'])}[/]\n{escape(f['message'])}",
            escape(f["strength_of_evidence"]),
        )
    out.print(t)
    for n in data["notes"]:
        out.print(f"[dim]note: {escape(n)}[/]", highlight=False)


def _load_inputs(diary_path: Path, profile_path: Path, skip_bad: bool) -> tuple[Diary, Profile]:
    """The profile and the diary of assess, plan and simulate: one validation path (every
    bad field or line printed, exit 1; a missing file exit 2)."""
    prof = _load_profile(profile_path)
    d = _load_diary(diary_path, "auto", skip_bad)
    return d, prof


def _assess(d: Diary, prof: Profile) -> Assessment:
    """The assessment of assess, plan and simulate: the same input errors, the same message
    and exit code (1) for each."""
    from magnerve.assessment import assess

    try:
        return assess(d, prof)
    except ValueError as e:  # InputError, ReferenceDataError and a model's value checks
        _fail(str(e))
        raise


def _run_assessment(
    diary_path: Path | None, profile_path: Path | None, skip_bad: bool
) -> dict[str, Any]:
    from magnerve.assessment import assess
    from magnerve.datasets import load_demo

    if diary_path is None or profile_path is None:
        d, prof = load_demo()
        return assess(d, prof).to_dict()
    d, prof = _load_inputs(diary_path, profile_path, skip_bad)
    return _assess(d, prof).to_dict()


@app.command("assess")
def assess_cmd(
    diary: Annotated[Path, typer.Argument(help="Diary file (CSV, JSON, Cronometer).")],
    profile: Annotated[Path, typer.Option("--profile", "-p", help="Profile (TOML or JSON).")],
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Skip bad diary lines.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML report.")
    ] = None,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Also write a PDF report (extra magnerve[pdf]).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Assess magnesium status: intake, absorption, adequacy, markers, findings."""
    check_outputs({"--html": html, "--pdf": pdf}, [diary, profile])
    data = _run_assessment(diary, profile, skip_bad)
    if html is not None:
        from magnerve.report import render_html

        write_output(html, render_html(data))
    if pdf is not None:
        _write_pdf(data, pdf)
    if as_json:
        _emit_json(data)
        return
    _print_assessment(data)
    if html is not None:
        out.print(f"Report written to [bold]{escape(html)}[/]", highlight=False)


def _write_pdf(
    data: dict[str, Any],
    path: Path,
    plan: dict[str, Any] | None = None,
    models: dict[str, Any] | None = None,
) -> None:
    from magnerve.report import PDFUnavailableError, write_pdf

    try:
        write_pdf(data, str(path), plan, models)
    except PDFUnavailableError as e:
        _fail(str(e), code=2)
    except OSError as e:
        _fail(f"cannot write {path}: {e.strerror or type(e).__name__}")


@app.command("plan")
def plan_cmd(
    diary: Annotated[Path, typer.Argument(help="Diary file (CSV, JSON, Cronometer).")],
    profile: Annotated[Path, typer.Option("--profile", "-p", help="Profile (TOML or JSON).")],
    pattern: Annotated[
        str, typer.Option("--pattern", help="omnivore, pescatarian, vegetarian or vegan.")
    ] = "omnivore",
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            help="tree_nuts, peanuts, gluten, soy, dairy, fish, shellfish, egg; repeat for more.",
        ),
    ] = None,
    exclude_food: Annotated[
        list[str] | None, typer.Option("--exclude-food", help="Word of a food never to suggest.")
    ] = None,
    no_supplements: Annotated[
        bool, typer.Option("--no-supplements", help="Plan with food only.")
    ] = False,
    target: Annotated[
        str, typer.Option("--target", help="ear, rda, or a confidence such as 0.9.")
    ] = "rda",
    fewest_changes: Annotated[
        bool, typer.Option("--fewest-changes", help="Prefer fewer new foods.")
    ] = False,
    all_foods: Annotated[
        bool, typer.Option("--all-foods", help="Consider all SR28 foods, not only generic ones.")
    ] = False,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Skip bad diary lines.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the plan as HTML.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Optimise the diet (and optionally a supplement) to reach a magnesium target, safely."""
    from magnerve.plan import PlanError, make_plan

    check_outputs({"--html": html}, [diary, profile])
    d, prof = _load_inputs(diary, profile, skip_bad)
    tgt: str | float = target
    if target not in ("ear", "rda"):
        try:
            tgt = float(target)
        except ValueError:
            _fail("--target must be ear, rda or a confidence such as 0.9", code=2)
    try:
        plan = make_plan(
            d,
            prof,
            pattern=pattern,
            exclude=exclude or (),
            exclude_foods=exclude_food or (),
            supplements=not no_supplements,
            target=tgt,
            fewest_changes=fewest_changes,
            scope="all" if all_foods else "filtered",
            assessment=_assess(d, prof),
        )
    except PlanError as e:
        _fail(str(e), code=2)
        return
    data = plan.to_dict()
    if html is not None:
        from magnerve.report import render_plan_html

        write_output(html, render_plan_html(data))
    if as_json:
        _emit_json(data)
        return
    _print_plan(data)


def _print_plan(data: dict[str, Any]) -> None:
    """The plan in plain words (status, summary, steps with reasons, supplement, before/after)."""
    from magnerve._text import format_probability

    b, a = data["before"], data["after"]
    out.print(
        f"[bold]Magnesium plan[/] ({data['status']}) — education, not medical advice",
        highlight=False,
    )
    t = data["target"]
    out.print(
        f"Target: magnesium intake ≥ {t['magnesium_mg']:.0f} mg/day ({escape(t['kind'])}).",
        highlight=False,
    )
    if data.get("summary"):
        out.print(escape(data["summary"]), highlight=False)
    if data["status"] == "refer":
        r = data["referral"] or {}
        out.print(
            f"[bold red]Please see {escape(str(r.get('to')))}[/]: {escape(str(r.get('reason')))}"
        )
    elif data["status"] != "optimal":
        out.print("[red]No plan meets every rule:[/]")
        for c in data["conflicts"]:
            out.print(f"  - {escape(str(c.get('message', c.get('constraint'))))}", highlight=False)
    n = 0
    for sc in data.get("supplement_changes", []):
        n += 1
        to = sc.get("to_mg_per_day")
        dose = f" to {to:.0f} mg/day" if to is not None else ""
        out.print(
            f"{n}. Your supplement {escape(sc['supplement'])}: {escape(sc['action'])}{dose} — "
            f"{escape(sc['reason'])}",
            highlight=False,
        )
    for step in data["steps"]:
        n += 1
        out.print(f"{n}. {escape(step)}", highlight=False)
    if data["supplement"]:
        s = data["supplement"]
        n += 1
        who = " [bold]with your clinician[/]" if s.get("with_clinician") else ""
        out.print(
            f"{n}. Magnesium {escape(s['form'])}{who}: {s['elemental_mg_per_day']:.0f} mg "
            "elemental a day "
            f"in {s['times_per_day']} dose(s) ({s['elemental_mg_per_dose']:.0f} mg each), below "
            f"the upper level — {escape(s['reason'])}; {escape(s['note'])}.",
            highlight=False,
        )
        if s.get("monitor"):
            out.print("   Monitor: " + escape("; ".join(s["monitor"])), highlight=False)
    if a is not None and data["status"] == "optimal":
        tab = Table(title="Before and after")
        tab.add_column("")
        tab.add_column("Before", justify="right")
        tab.add_column("After", justify="right")
        tab.add_row(
            "Magnesium intake [mg/day]", f"{b['magnesium_mg']:.0f}", f"{a['magnesium_mg']:.0f}"
        )

        def conf(v: float | None) -> str:
            return "—" if v is None else format_probability(v)

        tab.add_row(
            "Confidence intake is adequate",
            conf(b["confidence_adequate"]),
            conf(a["confidence_adequate"]),
        )
        tab.add_row(
            "Absorbed (model) [mg/day]", f"{b['absorbed_mg']:.0f}", f"{a['absorbed_mg']:.0f}"
        )
        out.print(tab)
        wc = data["worst_case"]
        if wc:
            out.print(
                "If your meals absorb less than usual (absorption model, low end): about "
                f"{wc['worst_effective_intake_mg']:.0f} mg/day "
                f"({'still meets' if wc['meets_target_in_worst_case'] else 'below'} the target)."
            )
    for note in data["notes"]:
        out.print(f"[dim]note: {escape(note)}[/]", highlight=False)
    if data["status"] not in ("optimal", "refer"):
        raise typer.Exit(1)


def _models(data: dict[str, Any], plan: dict[str, Any] | None, profile: Profile) -> dict[str, Any]:
    """Model results for the report's nerve section (nerve sweep, homeostasis series).

    The nerve sweep is the same for everyone (fixed Mg levels, duration and seed), and the
    homeostasis scenarios are deterministic given their inputs: both are read from the user
    cache when the model and inputs are unchanged (``magnerve.report._sweep_cache``), so a
    warm demo imports no ``scipy.integrate``.
    """
    from magnerve.physiology.homeostasis import body_inputs, modifiers_for
    from magnerve.report._sweep_cache import homeostasis_series, nerve_sweep

    now = data["absorption"]["mean_absorbed_mg"] or 0.0
    mods, _ = modifiers_for(profile, data["intake"]["nutrients_mean"].get("caffeine_mg"))
    egfr = data.get("egfr") or {}
    body = body_inputs(profile, egfr.get("value"), egfr.get("source"))
    series = homeostasis_series(
        [("current intake", now)]
        + ([("plan", plan["after"]["absorbed_mg"])] if plan and plan.get("after") else []),
        120,
        start_absorbed_mg=now,
        mods=mods,
        egfr=body.egfr,
        weight_kg=body.weight_kg,
        initial_serum_mmol_l=body.initial_serum_mmol_l,
    )
    return {"nerve": nerve_sweep(), "homeostasis": series}


@app.command("demo")
def demo_cmd(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the HTML report.")
    ] = Path("magnerve-demo-report.html"),
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Also write a PDF report (extra magnerve[pdf]).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead.")] = False,
) -> None:
    """Assess the bundled example person (58 y, type 2 diabetes, PPI + thiazide, soft water,
    a week of meals) and write the HTML report."""
    if not as_json:
        check_outputs({"--output": output, "--pdf": pdf}, [])
    if as_json:
        _emit_json(_run_assessment(None, None, False))
        return
    from magnerve.assessment import assess
    from magnerve.datasets import load_demo
    from magnerve.plan import make_plan
    from magnerve.report import render_html

    diary, profile = load_demo()
    assessment = assess(diary, profile)
    data = assessment.to_dict()
    _print_assessment(data)
    # the plan starts from the assessment just made instead of assessing the diary again
    plan = make_plan(diary, profile, assessment=assessment).to_dict()
    out.print("[bold]Plan[/] (details: magnerve plan --help):")
    for i, step in enumerate(plan["steps"], 1):
        out.print(f"  {i}. {escape(step)}", highlight=False)
    models = _models(data, plan, profile)
    write_output(output, render_html(data, plan, models))
    out.print(f"Report written to [bold]{escape(output)}[/]", highlight=False)
    if pdf is not None:  # the same document as the HTML report
        _write_pdf(data, pdf, plan, models)
        out.print(f"PDF written to [bold]{escape(pdf)}[/]", highlight=False)


@app.command("simulate")
def simulate_cmd(
    diary: Annotated[Path, typer.Argument(help="Diary file (CSV, JSON, Cronometer).")],
    profile: Annotated[Path, typer.Option("--profile", "-p", help="Profile (TOML or JSON).")],
    days: Annotated[
        float,
        typer.Option("--days", help="Days to simulate.", callback=bounded("cli.simulate.days")),
    ] = 120,
    with_plan: Annotated[
        bool, typer.Option("--plan", help="Also simulate the optimised plan.")
    ] = False,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Also write an SVG chart of serum and total body Mg."),
    ] = None,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Skip bad diary lines.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (the series).")] = False,
) -> None:
    """Simulate serum and body magnesium over time for the current intake (and the plan)."""
    from magnerve.analysis import homeostasis_scenarios
    from magnerve.physiology.homeostasis import steady_state

    check_outputs({"--chart": chart}, [diary, profile])
    d, prof = _load_inputs(diary, profile, skip_bad)
    a = _assess(d, prof)
    plan = None
    if with_plan:
        from magnerve.plan import PlanError, make_plan

        try:
            plan = make_plan(d, prof, assessment=a)
        except PlanError as e:
            _fail(str(e), code=2)
    h = homeostasis_scenarios(a, plan, prof, days)
    scen, series, notes = h["absorbed"], h["series"], h["notes"]
    mods, body = h["mods"], h["body"]
    data: dict[str, Any] = {
        "model": "three-pool magnesium homeostasis model (pools scaled to body weight, GFR from "
        "eGFR when known); a model, not a measurement",
        "absorbed_mg_per_day": scen,
        "steady_state": {
            k: steady_state(v, mods, egfr=body.egfr, weight_kg=body.weight_kg)
            for k, v in scen.items()
        },
        "modifiers": notes,
        "series": series,
        **body.to_dict(series["current intake"]["serum_mmol_l"][0]),
    }
    if chart is not None:
        from magnerve.report import charts

        write_output(chart, charts.homeostasis(series))
    if as_json:
        _emit_json(data)
        return
    t = Table(title=f"Simulated {days:g} days (a model, not a measurement)")
    t.add_column("Scenario")
    t.add_column("Absorbed [mg/day]", justify="right")
    t.add_column("Serum day 0 → end [mmol/L]", justify="right")
    t.add_column("Steady-state serum", justify="right")
    t.add_column("Urine at end [mg/day]", justify="right")
    for name, tr in series.items():
        t.add_row(
            name,
            f"{scen[name]:.0f}",
            f"{tr['serum_mmol_l'][0]:.3f} → {tr['serum_mmol_l'][-1]:.3f}",
            f"{data['steady_state'][name]['serum_mmol_l']:.3f}",
            f"{tr['urine_mg'][-1]:.0f}",
        )
    out.print(t)
    for n in notes:
        out.print(f"[dim]modifier: {escape(n)}[/]", highlight=False)
    out.print(f"[dim]person: {escape(body.summary())}[/]", highlight=False)
    for n in body.notes:
        out.print(f"[dim]note: {escape(n)}[/]", highlight=False)
    if chart is not None:
        out.print(f"Chart written to [bold]{escape(chart)}[/]", highlight=False)
