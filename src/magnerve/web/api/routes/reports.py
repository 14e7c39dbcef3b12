"""The report (HTML and PDF), the simulation chart and, for a professional, a client's
plan, from the core's public API: ``magnerve.report.render_html`` and ``write_pdf`` draw
the report from the analysis JSON, ``magnerve.report.charts.homeostasis`` the chart of the
analysis' models step (the three-pool homeostasis model).

The report is a self-contained document (its styles inline, no script): it is answered
with its own Content-Security-Policy that allows inline styles and nothing else.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from magnerve import report as core_report
from magnerve.report import charts
from magnerve.web import crud
from magnerve.web.api.deps import CurrentCaller, Db
from magnerve.web.api.routes.analysis import (
    From,
    To,
    analysis_for,
    change_key,
    decision_out,
    period,
)
from magnerve.web.api.routes.sharing import client_of
from magnerve.web.api.routes.tokens import Id
from magnerve.web.models import User
from magnerve.web.schemas import PlanView

__all__ = [
    "DOCUMENT_CSP",
    "pdf_response",
    "report_html",
    "report_models",
    "report_pdf",
    "router",
    "simulation",
    "simulation_svg",
]

router = APIRouter(tags=["reports"])

#: Policy of a self-contained report or chart: inline styles and data: images, no script.
DOCUMENT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

_HTML: dict[int | str, dict[str, Any]] = {200: {"content": {"text/html": {}}}}
_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}},
    501: {"description": "PDF output is not installed (the `pdf` extra, WeasyPrint)"},
}
_SVG: dict[int | str, dict[str, Any]] = {200: {"content": {"image/svg+xml": {}}}}


def report_models(a: dict[str, Any]) -> dict[str, Any] | None:
    """The ``models`` of the core's report ("What this means for your nerves"): the model
    neuron's sweep (``magnerve.report.nerve_sweep``, the same for everyone) and the
    analysis' homeostasis series; None when the analysis has no models step."""
    series = (a.get("models") or {}).get("series")
    if not series:
        return None
    return {"nerve": core_report.nerve_sweep(), "homeostasis": series}


def report_html(db: Session, user: User, start: date, end: date) -> str:
    """The report of ``user``'s diary from ``start`` to ``end``, with the plan and the
    nerves section (model neuron and homeostasis), as HTML."""
    a = analysis_for(db, user, start, end, plan=True, models=True)
    return core_report.render_html(a["assessment"], a["plan"], report_models(a))


def report_pdf(db: Session, user: User, start: date, end: date) -> bytes:
    """The report as PDF (the core's ``write_pdf``), with the plan and the nerves section as
    in :func:`report_html`.

    Raises
    ------
    magnerve.report.PDFUnavailableError
        When WeasyPrint (the ``pdf`` extra) or its Pango library is missing.
    """
    a = analysis_for(db, user, start, end, plan=True, models=True)
    with tempfile.TemporaryDirectory(prefix="magnerve-pdf-") as d:
        path = Path(d) / "report.pdf"
        core_report.write_pdf(a["assessment"], str(path), a["plan"], report_models(a))
        return path.read_bytes()


def simulation(db: Session, user: User, start: date, end: date) -> dict[str, Any]:
    """The analysis' models step: homeostasis series (current intake, and the plan's) and
    their notes."""
    a = analysis_for(db, user, start, end, plan=True, models=True)
    models: dict[str, Any] = a["models"] or {"series": {}, "notes": []}
    return models


def simulation_svg(db: Session, user: User, start: date, end: date) -> str:
    """The simulation chart (SVG) of the period."""
    return charts.homeostasis(simulation(db, user, start, end)["series"])


def document(body: str | bytes, media: str, filename: str | None = None) -> Response:
    """A report, PDF or chart response with :data:`DOCUMENT_CSP`."""
    headers = {"Content-Security-Policy": DOCUMENT_CSP}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, media_type=media, headers=headers)


def pdf_response(db: Session, user: User, start: date, end: date, name: str) -> Response:
    """The PDF download, or 501 with what to install."""
    try:
        pdf = report_pdf(db, user, start, end)
    except core_report.PDFUnavailableError as e:
        return JSONResponse({"detail": str(e)}, status_code=status.HTTP_501_NOT_IMPLEMENTED)
    return document(pdf, "application/pdf", name)


@router.get("/report.html", response_class=Response, responses=_HTML)
def get_report_html(caller: CurrentCaller, db: Db, from_: From = None, to: To = None) -> Response:
    """The caller's report of the period (the core's report, with the plan) as HTML."""
    start, end = period(db, caller.user, from_, to)
    return document(report_html(db, caller.user, start, end), "text/html")


@router.get("/report.pdf", response_class=Response, responses=_PDF)
def get_report_pdf(caller: CurrentCaller, db: Db, from_: From = None, to: To = None) -> Response:
    """The caller's report as a PDF download (501 when the ``pdf`` extra is missing)."""
    start, end = period(db, caller.user, from_, to)
    return pdf_response(db, caller.user, start, end, f"magnerve-report-{end.isoformat()}.pdf")


@router.get("/simulation.svg", response_class=Response, responses=_SVG)
def get_simulation_svg(
    caller: CurrentCaller, db: Db, from_: From = None, to: To = None
) -> Response:
    """The simulation chart: serum and body magnesium over 120 days for the current intake
    and the plan's (the core's homeostasis model; a model, not a measurement)."""
    start, end = period(db, caller.user, from_, to)
    return document(simulation_svg(db, caller.user, start, end), "image/svg+xml")


@router.get("/clients/{client_id}/report.html", response_class=Response, responses=_HTML)
def client_report_html(
    client_id: Id, caller: CurrentCaller, db: Db, from_: From = None, to: To = None
) -> Response:
    """A client's report, read-only (404 unless the client shares with the caller)."""
    client = client_of(db, caller, client_id)
    start, end = period(db, client, from_, to)
    return document(report_html(db, client, start, end), "text/html")


@router.get("/clients/{client_id}/report.pdf", response_class=Response, responses=_PDF)
def client_report_pdf(
    client_id: Id, caller: CurrentCaller, db: Db, from_: From = None, to: To = None
) -> Response:
    """A client's report as PDF, read-only (404 unless the client shares with the caller)."""
    client = client_of(db, caller, client_id)
    start, end = period(db, client, from_, to)
    return pdf_response(db, client, start, end, f"magnerve-report-{client.id}-{end}.pdf")


@router.get("/clients/{client_id}/simulation.svg", response_class=Response, responses=_SVG)
def client_simulation_svg(
    client_id: Id, caller: CurrentCaller, db: Db, from_: From = None, to: To = None
) -> Response:
    """A client's simulation chart, read-only (404 unless the client shares with the caller)."""
    client = client_of(db, caller, client_id)
    start, end = period(db, client, from_, to)
    return document(simulation_svg(db, client, start, end), "image/svg+xml")


@router.get("/clients/{client_id}/plan", response_model=PlanView)
def client_plan(
    client_id: Id, caller: CurrentCaller, db: Db, from_: From = None, to: To = None
) -> PlanView:
    """A client's plan and their answers, read-only (404 unless the client shares with the
    caller)."""
    client = client_of(db, caller, client_id)
    start, end = period(db, client, from_, to)
    plan = analysis_for(db, client, start, end, plan=True)["plan"]
    return PlanView(
        start=start,
        end=end,
        plan=plan,
        keys=[change_key(c) for c in plan["changes"]],
        decisions=[decision_out(d) for d in crud.list_decisions(db, client)],
    )
