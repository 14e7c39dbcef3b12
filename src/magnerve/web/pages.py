"""Server-rendered pages (Jinja2, autoescaped): sign-in, sign-up, the diary day, an entry's
edit form and the account page. They work without JavaScript; ``static/app.js`` only adds
food autocomplete. Every form carries a CSRF token: the session's once signed in, a
double-submit cookie before.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from pydantic import ValidationError

from magnerve import foods
from magnerve.errors import InputError
from magnerve.profile import ProfileError, load_profile
from magnerve.web import crud
from magnerve.web.api.deps import client_ip, get_settings
from magnerve.web.api.routes import account as account_routes
from magnerve.web.api.routes import aliases as alias_routes
from magnerve.web.api.routes import analysis as analysis_routes
from magnerve.web.api.routes import diary as diary_routes
from magnerve.web.api.routes import sharing as sharing_routes
from magnerve.web.api.routes import supplements as supp_routes
from magnerve.web.core import security
from magnerve.web.models import AuthSession, User
from magnerve.web.schemas import (
    DB_INT_MAX,
    LIMITS,
    CopyRequest,
    Credentials,
    DecisionIn,
    EntryCreate,
    EntryUpdate,
    NoteCreate,
    PasswordChange,
    ShareCreate,
    SignIn,
    TokenCreate,
)
from magnerve.web.session import clear_session_cookie, set_csrf_cookie, set_session_cookie

__all__ = ["PageExit", "SignedIn", "SignedInForm", "page_exit", "router", "templates"]

router = APIRouter(include_in_schema=False)

_env = Environment(
    loader=FileSystemLoader(str(resources.files("magnerve.web").joinpath("templates"))),
    autoescape=True,  # user text (food lines, notes) is always escaped
)
_env.filters["percent"] = lambda x: f"{100 * float(x):.0f} %"
templates = Jinja2Templates(env=_env)

FormStr = Annotated[str, Form()]

#: The diary day's "supplements taken" form: (field, label, hint); checks are the core's
#: profile supplement model's, ``times_per_day`` being the doses of that day.
DOSE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "Product name", "As on the label, e.g. Magnesium glycinate 200."),
    ("form", "Form (salt)", "glycinate, citrate, oxide … (needed with the salt mass)."),
    ("elemental_mg", "Elemental magnesium per dose [mg]", "From the label; or the salt mass."),
    ("salt_mg", "Salt per dose [mg]", "The compound's mass, when the label gives only that."),
    ("times_per_day", "Doses taken this day", ""),
)


class _Who:
    """The signed-in account and session of a page request, or nobody."""

    def __init__(self, request: Request) -> None:
        self.user: User | None = None
        self.session: AuthSession | None = None
        self.new_csrf: str | None = None
        settings = get_settings(request)
        raw = request.cookies.get(settings.session_cookie)
        if raw:
            with request.app.state.sessionmaker() as db:
                found = crud.session_user(db, raw, settings.session_idle)
            if found is not None:
                self.user, self.session = found
        self.request = request

    def csrf(self) -> str:
        """The token forms must carry."""
        if self.session is not None:
            return self.session.csrf_token
        settings = get_settings(self.request)
        current = self.request.cookies.get(settings.csrf_cookie)
        if current:
            return current
        if self.new_csrf is None:
            self.new_csrf = security.new_token()
        return self.new_csrf

    def csrf_ok(self, sent: str) -> bool:
        """Whether a submitted form's token is the expected one."""
        if self.session is not None:
            return security.same(sent, self.session.csrf_token)
        settings = get_settings(self.request)
        return security.same(sent, self.request.cookies.get(settings.csrf_cookie))


class _Signed(_Who):
    """A page request of a signed-in account (``user`` is set)."""

    user: User


class PageExit(Exception):
    """A page request answered before its route ran: the sign-in redirect, or the "form
    expired" page of a form without its CSRF token (see :func:`page_exit`)."""

    def __init__(self, response: Response) -> None:
        super().__init__("page answered early")
        self.response = response


def page_exit(request: Request, exc: Exception) -> Response:
    """The app's handler of :class:`PageExit`: its response."""
    assert isinstance(exc, PageExit)
    return exc.response


def _signed_in_page(request: Request) -> _Signed:
    """Dependency of a page: the signed-in caller, else the redirect to sign-in."""
    who = _Signed(request)
    if getattr(who, "user", None) is None:
        raise PageExit(_redirect("/"))
    return who


async def _signed_in_form(request: Request) -> _Signed:
    """Dependency of a form post: the signed-in caller whose form carries the session's CSRF
    token; else the redirect to sign-in, or the "form expired" page (403). The form is read
    once (Starlette keeps it for the route's own ``Form`` fields)."""
    who = _signed_in_page(request)
    token = (await request.form()).get("csrf_token", "")
    if not isinstance(token, str) or not who.csrf_ok(token):
        raise PageExit(_forbidden(who))
    return who


#: A page's signed-in caller (anonymous: redirect to ``/``).
SignedIn = Annotated[_Signed, Depends(_signed_in_page)]
#: A form post's signed-in caller with a valid CSRF token (else redirect, or 403).
SignedInForm = Annotated[_Signed, Depends(_signed_in_form)]


def _render(who: _Who, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("errors", {})
    response = templates.TemplateResponse(
        who.request,
        name,
        {"user": who.user, "csrf_token": who.csrf(), "limits": LIMITS, **context},
        status_code=status_code,
    )
    if who.new_csrf is not None:
        set_csrf_cookie(response, who.new_csrf, get_settings(who.request))
    return response


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _errors(exc: ValidationError | crud.FieldError) -> dict[str, str]:
    """Field name -> message, for showing each error at its field."""
    if isinstance(exc, crud.FieldError):
        msg = str(exc)
        if exc.suggestions:
            msg += " (" + "; ".join(exc.suggestions) + ")"
        return {str(exc.loc[-1]) if exc.loc else "form": msg}
    out: dict[str, str] = {}
    for e in exc.errors():
        field = str(e["loc"][0]) if e["loc"] else "form"
        out.setdefault(field, str(e["msg"]).removeprefix("Value error, "))
    return out


def _forbidden(who: _Who) -> HTMLResponse:
    return _render(
        who,
        "message.html",
        403,
        title="Form expired",
        message="This form was out of date or not sent by this site. Go back, reload, try again.",
    )


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# --- sign-in, sign-up, sign-out ---------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request) -> Response:
    """The sign-in page (the diary when already signed in)."""
    who = _Who(request)
    if who.user is not None:
        return _redirect("/diary")
    return _render(who, "signin.html", email="")


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request, email: FormStr = "", password: FormStr = "", csrf_token: FormStr = ""
) -> Response:
    """Check the password, start a session and go to the diary."""
    who = _Who(request)
    if not who.csrf_ok(csrf_token):
        return _forbidden(who)
    settings = get_settings(request)
    try:
        body = SignIn.model_validate({"email": email, "password": password})
    except ValidationError as e:
        return _render(who, "signin.html", 422, email=email, errors=_errors(e))
    with request.app.state.sessionmaker() as db:
        try:
            user = crud.authenticate(db, body.email, body.password, client_ip(request), settings)
        except crud.RateLimited as e:
            r = _render(who, "signin.html", 429, email=email, errors={"form": str(e)})
            r.headers["Retry-After"] = str(e.retry_after)
            return r
        if user is None:
            errors = {"form": "wrong e-mail or password"}
            return _render(who, "signin.html", 401, email=email, errors=errors)
        raw, _ = crud.create_session(db, user, settings)
    response = _redirect("/diary")
    set_session_cookie(response, raw, settings)
    return response


@router.get("/signup", response_class=HTMLResponse)
def signup_page(request: Request) -> Response:
    """The sign-up page."""
    return _render(_Who(request), "signup.html", email="", role="person")


@router.post("/signup", response_class=HTMLResponse)
def signup(
    request: Request,
    email: FormStr = "",
    password: FormStr = "",
    role: FormStr = "person",
    csrf_token: FormStr = "",
) -> Response:
    """Create the account, sign in and go to the diary."""
    who = _Who(request)
    if not who.csrf_ok(csrf_token):
        return _forbidden(who)
    settings = get_settings(request)
    try:
        body = Credentials.model_validate({"email": email, "password": password, "role": role})
        with request.app.state.sessionmaker() as db:
            user = crud.create_user(db, body.email, body.password, body.role)
            raw, _ = crud.create_session(db, user, settings)
    except (ValidationError, crud.FieldError) as e:
        return _render(who, "signup.html", 422, email=email, role=role, errors=_errors(e))
    response = _redirect("/diary")
    set_session_cookie(response, raw, settings)
    return response


@router.post("/signout")
def signout(request: Request, csrf_token: FormStr = "") -> Response:
    """End the session on the server and in the browser."""
    who = _Who(request)
    if who.session is None:
        return _redirect("/")
    if not who.csrf_ok(csrf_token):
        return _forbidden(who)
    with request.app.state.sessionmaker() as db:
        crud.delete_session(db, who.session)
    response = _redirect("/")
    clear_session_cookie(response, get_settings(request))
    return response


# --- diary --------------------------------------------------------------------------------------


@router.get("/diary")
def diary_today(request: Request) -> Response:
    """Today's diary page, or the page of ``?day=YYYY-MM-DD`` (the day picker)."""
    d = _day(request.query_params.get("day", "")) or date.today()
    return _redirect(f"/diary/{d.isoformat()}")


def _diary(who: _Who, day: date, status_code: int = 200, **context: Any) -> HTMLResponse:
    assert who.user is not None
    with who.request.app.state.sessionmaker() as db:
        entries = crud.list_entries(db, who.user, day, day)
        frequent = diary_routes.frequent(db, who.user, day).foods
        doses = [supp_routes.dose_out(r) for r in crud.list_doses(db, who.user, day, day)]
    q = who.request.query_params.get("q", "")[: LIMITS.text_max_length]
    hits = foods.search(q, LIMITS.search_default_limit) if q.strip() else []
    context.setdefault("form", {"text": "", "meal": "", "note": ""})
    context.setdefault("dose_form", {"times_per_day": "1"})
    return _render(
        who,
        "diary.html",
        status_code,
        day=day,
        prev_day=crud.shift_day(day, -1),
        next_day=crud.shift_day(day, 1),
        entries=entries,
        frequent=frequent,
        recent_days=diary_routes.RECENT_DAYS,
        meals=sorted({e.meal for e in entries if e.meal}),
        q=q,
        hits=hits,
        doses=doses,
        dose_fields=DOSE_FIELDS,
        **context,
    )


@router.get("/diary/{day}", response_class=HTMLResponse)
def diary_page(request: Request, who: SignedIn, day: str) -> Response:
    """One day of the diary, with the entry form and food search."""
    d = _day(day)
    if d is None:
        return _render(who, "message.html", 404, title="Not found", message="No such day.")
    return _diary(who, d)


@router.post("/diary/{day}/entries", response_class=HTMLResponse)
def add_entry(
    request: Request,
    who: SignedInForm,
    day: str,
    text: FormStr = "",
    meal: FormStr = "",
    note: FormStr = "",
) -> Response:
    """Add a typed line to the day."""
    d = _day(day)
    if d is None:
        return _render(who, "message.html", 404, title="Not found", message="No such day.")
    form = {"text": text, "meal": meal, "note": note}
    try:
        body = EntryCreate.model_validate({"date": d, **form})
        with request.app.state.sessionmaker() as db:
            crud.create_entry(db, who.user, body.date, body.text, body.meal, body.note)
    except (ValidationError, crud.FieldError) as e:
        return _diary(who, d, 422, form=form, errors=_errors(e))
    return _redirect(f"/diary/{d.isoformat()}")


@router.post("/diary/{day}/copy", response_class=HTMLResponse)
def copy_entries(
    request: Request,
    who: SignedInForm,
    day: str,
    from_date: FormStr = "",
    from_meal: FormStr = "",
    to_meal: FormStr = "",
) -> Response:
    """Copy another day's entries (or one meal of a day) to this day (into ``to_meal``)."""
    d = _day(day)
    if d is None:
        return _render(who, "message.html", 404, title="Not found", message="No such day.")
    try:
        body = CopyRequest.model_validate(
            {
                "from_date": from_date,
                "to_date": d,
                "meal": from_meal or None,
                "to_meal": to_meal or None,
            }
        )
        with request.app.state.sessionmaker() as db:
            crud.copy_day(db, who.user, body.from_date, body.to_date, body.meal, body.to_meal)
    except (ValidationError, crud.FieldError) as e:
        errors = _errors(e)
        return _diary(who, d, 422, errors={"from_date": next(iter(errors.values()))})
    return _redirect(f"/diary/{d.isoformat()}")


def _entry_or_404(who: _Who, entry_id: str) -> Any:
    assert who.user is not None
    if not (entry_id.isascii() and entry_id.isdigit()) or int(entry_id) > DB_INT_MAX:
        return None
    with who.request.app.state.sessionmaker() as db:
        return crud.get_entry(db, who.user, int(entry_id))


@router.get("/entries/{entry_id}/edit", response_class=HTMLResponse)
def edit_page(request: Request, who: SignedIn, entry_id: str) -> Response:
    """The edit form of one of the person's entries."""
    row = _entry_or_404(who, entry_id)
    if row is None:
        return _render(who, "message.html", 404, title="Not found", message="No such entry.")
    form = {"text": row.text, "meal": row.meal or "", "note": row.note, "date": row.date}
    return _render(who, "edit.html", entry=row, form=form)


@router.post("/entries/{entry_id}/edit", response_class=HTMLResponse)
def edit_entry(
    request: Request,
    who: SignedInForm,
    entry_id: str,
    text: FormStr = "",
    meal: FormStr = "",
    note: FormStr = "",
    entry_date: FormStr = "",
    food_id: FormStr = "",
    remember: FormStr = "",
) -> Response:
    """Save the edit form (``remember``: keep the chosen food as the account's alias for
    the entry's food text)."""
    row = _entry_or_404(who, entry_id)
    if row is None:
        return _render(who, "message.html", 404, title="Not found", message="No such entry.")
    changes: dict[str, Any] = {"meal": meal, "note": note, "date": entry_date or row.date}
    if text.strip() != row.text:
        changes["text"] = text
    if food_id and food_id != row.food_id:
        changes["food_id"] = food_id
    try:
        body = EntryUpdate.model_validate(changes)
        with request.app.state.sessionmaker() as db:
            row = db.merge(row)
            crud.update_entry(db, row, body.model_dump(exclude_unset=True))
            if remember:
                try:
                    crud.save_alias(db, who.user, row.text, row.food_id, alias_routes.MAX_ALIASES)
                except crud.FieldError as e:
                    raise crud.FieldError(("remember",), str(e)) from None
    except (ValidationError, crud.FieldError) as e:
        form = {"text": text, "meal": meal, "note": note, "date": entry_date}
        errors = _errors(e)
        if "entry_date" not in errors and "date" in errors:
            errors["entry_date"] = errors.pop("date")
        return _render(who, "edit.html", 422, entry=row, form=form, errors=errors)
    return _redirect(f"/diary/{row.date.isoformat()}")


@router.post("/entries/{entry_id}/delete")
def delete_entry(request: Request, who: SignedInForm, entry_id: str) -> Response:
    """Delete one of the person's entries."""
    row = _entry_or_404(who, entry_id)
    if row is None:
        return _render(who, "message.html", 404, title="Not found", message="No such entry.")
    with request.app.state.sessionmaker() as db:
        crud.delete_entry(db, db.merge(row))
    return _redirect(f"/diary/{row.date.isoformat()}")


# --- account ----------------------------------------------------------------------------------


def _account(who: _Who, status_code: int = 200, **context: Any) -> HTMLResponse:
    assert who.user is not None
    with who.request.app.state.sessionmaker() as db:
        tokens = crud.list_tokens(db, who.user)
        aliases = [alias_routes.alias_out(a) for a in crud.list_aliases(db, who.user)]
    context.setdefault("alias_form", {"alias_text": "", "alias_food": ""})
    return _render(who, "account.html", status_code, tokens=tokens, aliases=aliases, **context)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, who: SignedIn) -> Response:
    """Password change and personal access tokens."""
    return _account(who)


@router.post("/account/password", response_class=HTMLResponse)
def account_password(
    request: Request,
    who: SignedInForm,
    current_password: FormStr = "",
    new_password: FormStr = "",
) -> Response:
    """Change the password (other sessions end)."""
    try:
        body = PasswordChange.model_validate(
            {"current_password": current_password, "new_password": new_password}
        )
        if not security.verify_password(body.current_password, who.user.password_hash):
            raise crud.FieldError(("current_password",), "the current password is wrong")
        with request.app.state.sessionmaker() as db:
            crud.set_password(db, db.merge(who.user), body.new_password, who.session)
    except (ValidationError, crud.FieldError) as e:
        return _account(who, 422, errors=_errors(e))
    return _account(who, message="Password changed; your other sessions have ended.")


@router.post("/account/tokens", response_class=HTMLResponse)
def account_new_token(
    request: Request, who: SignedInForm, name: FormStr = "", scope: FormStr = "read_write"
) -> Response:
    """Create a personal access token (read-only or read and write) and show it once."""
    try:
        body = TokenCreate.model_validate({"name": name, "scope": scope})
    except ValidationError as e:
        return _account(who, 422, errors=_errors(e))
    with request.app.state.sessionmaker() as db:
        raw, _ = crud.create_token(db, who.user, body.name, body.scope)
    return _account(who, new_token=raw)


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def account_revoke_token(request: Request, who: SignedInForm, token_id: str) -> Response:
    """Revoke a personal access token."""
    deleted = False
    if token_id.isascii() and token_id.isdigit() and int(token_id) <= DB_INT_MAX:
        with request.app.state.sessionmaker() as db:
            deleted = crud.delete_token(db, who.user, int(token_id))
    if not deleted:
        return _render(who, "message.html", 404, title="Not found", message="No such token.")
    return _redirect("/account")


# --- slice 2: sharing, clients, export and deletion, profile, dashboard, plan --------------------


def _signed_in(request: Request) -> tuple[_Who, Response | None]:
    """The page's caller, or a redirect to sign-in."""
    who = _Who(request)
    return who, (_redirect("/") if who.user is None else None)


def _not_found(who: _Who, what: str) -> HTMLResponse:
    return _render(who, "message.html", 404, title="Not found", message=f"No such {what}.")


def _positive_id(value: str) -> int | None:
    ok = value.isascii() and value.isdigit() and 0 < int(value) <= DB_INT_MAX
    return int(value) if ok else None


def _sharing(who: _Who, status_code: int = 200, **context: Any) -> HTMLResponse:
    assert who.user is not None
    with who.request.app.state.sessionmaker() as db:
        shares = crud.list_shares(db, who.user)
        notes = [sharing_routes.note_out(db, n) for n in crud.list_notes(db, who.user)]
    return _render(who, "sharing.html", status_code, shares=shares, notes=notes, **context)


@router.get("/sharing", response_class=HTMLResponse)
def sharing_page(request: Request, who: SignedIn) -> Response:
    """A person's shares (with a form to share and a button to revoke) and their notes."""
    return _sharing(who)


@router.post("/sharing", response_class=HTMLResponse)
def sharing_add(request: Request, who: SignedInForm, email: FormStr = "") -> Response:
    """Share the diary and results with a professional."""
    try:
        body = ShareCreate.model_validate({"email": email})
        with request.app.state.sessionmaker() as db:
            crud.create_share(db, who.user, body.email)
    except (ValidationError, crud.FieldError) as e:
        return _sharing(who, 422, email=email, errors=_errors(e))
    return _redirect("/sharing")


@router.post("/sharing/{share_id}/revoke", response_class=HTMLResponse)
def sharing_revoke(request: Request, who: SignedInForm, share_id: str) -> Response:
    """Revoke a share (or, for the professional, leave it)."""
    sid = _positive_id(share_id)
    with request.app.state.sessionmaker() as db:
        done = sid is not None and crud.delete_share(db, who.user, sid)
    return _redirect("/sharing") if done else _not_found(who, "share")


@router.get("/clients", response_class=HTMLResponse)
def clients_page(request: Request, who: SignedIn) -> Response:
    """A professional's clients."""
    with request.app.state.sessionmaker() as db:
        clients = crud.list_clients(db, who.user)
    return _render(who, "clients.html", clients=clients)


def _client(who: _Who, client_id: str) -> Any:
    assert who.user is not None
    cid = _positive_id(client_id)
    if cid is None:
        return None
    with who.request.app.state.sessionmaker() as db:
        return crud.shared_client(db, who.user, cid)


def _client_page(who: _Who, client: Any, status_code: int = 200, **context: Any) -> HTMLResponse:
    assert who.user is not None
    with who.request.app.state.sessionmaker() as db:
        dash = _dashboard_context(who, db, client)
        notes = [sharing_routes.note_out(db, n) for n in crud.list_notes(db, client, who.user)]
    return _render(who, "client.html", status_code, client=client, notes=notes, **dash, **context)


@router.get("/clients/{client_id}", response_class=HTMLResponse)
def client_page(request: Request, who: SignedIn, client_id: str) -> Response:
    """A client's dashboard and diary, read-only, and the professional's notes."""
    client = _client(who, client_id)
    return _not_found(who, "client") if client is None else _client_page(who, client)


@router.post("/clients/{client_id}/notes", response_class=HTMLResponse)
def client_add_note(
    request: Request, who: SignedInForm, client_id: str, text: FormStr = ""
) -> Response:
    """Write a note about a client."""
    client = _client(who, client_id)
    if client is None:
        return _not_found(who, "client")
    try:
        body = NoteCreate.model_validate({"text": text})
    except ValidationError as e:
        return _client_page(who, client, 422, note_text=text, errors=_errors(e))
    with request.app.state.sessionmaker() as db:
        crud.add_note(db, who.user, client, body.text)
    return _redirect(f"/clients/{client.id}")


# --- export and deletion --------------------------------------------------------------------


@router.get("/account/export.{fmt}")
def account_export(request: Request, who: SignedIn, fmt: str) -> Response:
    """Download all my data: ``export.json`` or ``export.zip`` (CSV files)."""
    if fmt not in ("json", "zip"):
        return _not_found(who, "export format")
    with request.app.state.sessionmaker() as db:
        if fmt == "zip":
            body: bytes | str = account_routes.export_zip(db, who.user)
            media = "application/zip"
        else:
            body = json.dumps(
                account_routes.export_data(db, who.user), ensure_ascii=False, indent=1
            )
            media = "application/json"
    name = f"magnerve-export-{who.user.id}.{fmt}"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/account/delete", response_class=HTMLResponse)
def account_delete(request: Request, password: FormStr = "", csrf_token: FormStr = "") -> Response:
    """Delete the account and all its data (the password confirms it)."""
    who, away = _signed_in(request)
    if away:
        return away
    assert who.user is not None
    if not who.csrf_ok(csrf_token):
        return _forbidden(who)
    if not security.verify_password(password, who.user.password_hash):
        return _account(who, 422, errors={"password": "the password is wrong"})
    with request.app.state.sessionmaker() as db:
        crud.delete_user(db, db.merge(who.user), client_ip(request))
    who.user, who.session = None, None
    response = _render(
        who,
        "message.html",
        title="Account deleted",
        message="Your account and all its data have been deleted.",
    )
    clear_session_cookie(response, get_settings(request))
    return response


# --- profile ------------------------------------------------------------------------------------

#: The profile form: (path in the profile, label, kind, hint). The schema and its checks are
#: the core's (``magnerve.parse_profile``); other keys of a stored profile are kept.
PROFILE_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("person.age", "Age [years]", "number", ""),
    ("person.sex", "Sex", "choice:female,male", ""),
    ("person.weight_kg", "Weight [kg]", "number", ""),
    ("person.pregnant", "Pregnant", "bool", ""),
    ("person.lactating", "Breastfeeding", "bool", ""),
    ("health.diabetes", "Diabetes", "choice:none,type1,type2", ""),
    ("health.hba1c_percent", "HbA1c [%]", "number", ""),
    ("health.egfr", "eGFR [mL/min/1.73 m²]", "number", ""),
    ("health.serum_creatinine_mg_dl", "Serum creatinine [mg/dL]", "number", ""),
    ("health.medications", "Medicines", "list", "Generic names, separated by commas."),
    ("health.conditions", "Conditions", "list", "Separated by commas."),
    ("lifestyle.alcohol_drinks_per_week", "Alcohol [drinks/week]", "number", ""),
    ("lifestyle.coffee_cups_per_day", "Coffee [cups/day]", "number", ""),
    ("lifestyle.stress_pss10", "Perceived stress (PSS-10, 0-40)", "number", ""),
    ("lifestyle.smoker", "Smoker", "bool", ""),
    ("water.source", "Drinking water", "choice:,tap,bottled,well,filtered_ro", ""),
    ("water.magnesium_mg_per_l", "Water magnesium [mg/L]", "number", "From the label or report."),
    ("water.hardness", "Water hardness", "text", "With its unit, e.g. 40 mg/L CaCO3."),
    ("water.calcium_share", "Calcium share of hardness (0-1)", "number", ""),
    ("water.liters_per_day", "Water drunk [L/day]", "number", ""),
    ("labs.serum_magnesium", "Serum magnesium", "text", "With its unit, e.g. 0.78 mmol/L."),
    ("labs.vitamin_d_25oh", "Vitamin D (25-OH)", "text", "With its unit, e.g. 22 ng/mL."),
    ("neuropathy.symptoms", "Nerve symptoms", "list", "e.g. tingling, numbness."),
)


def _get(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _form_values(data: dict[str, Any]) -> dict[str, str]:
    """The stored profile as form values."""
    out: dict[str, str] = {}
    for path, _, kind, _ in PROFILE_FIELDS:
        v = _get(data, path)
        if kind == "bool":
            out[path] = "on" if v else ""
        elif kind == "list":
            out[path] = ", ".join(str(x) for x in v or [])
        else:
            out[path] = "" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))
    return out


def _number(text: str) -> Any:
    """A typed number as a number; anything else is passed on for the core to refuse."""
    t = text.strip()
    try:
        return int(t) if t.lstrip("-").isdigit() else float(t)
    except ValueError:
        return t


def _profile_from_form(stored: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
    """The profile mapping from the form, keeping stored keys the form does not show."""
    data = json.loads(json.dumps(stored))
    for path, _, kind, _ in PROFILE_FIELDS:
        section, key = path.split(".")
        sec = data.setdefault(section, {})
        if not isinstance(sec, dict):
            sec = data[section] = {}
        sec.pop(key, None)
        raw = form.get(path, "")
        if kind == "bool":
            if raw:
                sec[key] = True
        elif kind == "list":
            items = [x.strip() for x in raw.split(",") if x.strip()]
            if items:
                sec[key] = items
        elif raw.strip():
            sec[key] = _number(raw) if kind == "number" else raw.strip()
    return {k: v for k, v in data.items() if v != {}}


def _profile_page(who: _Who, status_code: int = 200, **context: Any) -> HTMLResponse:
    assert who.user is not None
    if "form" not in context:
        with who.request.app.state.sessionmaker() as db:
            row = crud.get_profile(db, who.user)
        context["form"] = _form_values(row.data if row else {})
        context["saved"] = row is not None
    fields = [
        (p, label, kind.split(":")[0], kind.partition(":")[2].split(","), hint)
        for p, label, kind, hint in PROFILE_FIELDS
    ]
    return _render(who, "profile.html", status_code, fields=fields, **context)


@router.get("/profile", response_class=HTMLResponse)
def profile_page(request: Request, who: SignedIn) -> Response:
    """The profile form (the same schema and checks as a TOML profile)."""
    return _profile_page(who)


def _profile_field_errors(e: ProfileError) -> dict[str, str]:
    known = {p for p, *_ in PROFILE_FIELDS}
    out: dict[str, str] = {}
    for path, msg in e.errors:
        key = path if path in known else next((k for k in known if path.startswith(k)), "form")
        if key == "form":
            msg = f"{path}: {msg}"
        out.setdefault(key, msg)
    return out


@router.post("/profile", response_class=HTMLResponse)
async def profile_save(request: Request, who: SignedInForm) -> Response:
    """Save the profile form, or a pasted profile file (TOML or JSON)."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    with request.app.state.sessionmaker() as db:
        row = crud.get_profile(db, who.user)
    stored = row.data if row else {}
    pasted = form.get("profile_text", "")
    try:
        if pasted.strip():
            # bytes: always read as content, never as a file name
            prof = load_profile(pasted.encode("utf-8"))
            data = prof.model_dump(mode="json", exclude_none=True)
        else:
            data = account_routes.validate_profile(_profile_from_form(stored, form))
    except ProfileError as e:
        if pasted.strip():
            errs = {"profile_text": "; ".join(f"{p}: {m}" for p, m in e.errors[:5])}
            return _profile_page(who, 422, profile_text=pasted, errors=errs)
        values = {p: form.get(p, "") for p, *_ in PROFILE_FIELDS}
        return _profile_page(who, 422, form=values, errors=_profile_field_errors(e))
    with request.app.state.sessionmaker() as db:
        crud.save_profile(db, who.user, data)
    return _profile_page(who, message="Profile saved.")


# --- dashboard and plan -------------------------------------------------------------------------

#: Size of the server-drawn magnesium chart [SVG user units]; a display choice.
CHART_W, CHART_H, CHART_PAD = 640, 240, 36


def _chart(days: list[dict[str, Any]], ear: float | None, rda: float | None) -> dict[str, Any]:
    """Bars of total magnesium per day [mg] and the EAR and RDA lines, as SVG geometry."""
    top = max([d["total_mg"] or 0.0 for d in days] + [rda or 0.0, ear or 0.0, 1.0]) * 1.1
    inner_w, inner_h = CHART_W - 2 * CHART_PAD, CHART_H - 2 * CHART_PAD
    step = inner_w / max(len(days), 1)

    def y(v: float) -> float:
        return CHART_PAD + inner_h * (1 - v / top)

    bars = []
    for i, d in enumerate(days):
        v = d["total_mg"] or 0.0
        bars.append(
            {
                "x": CHART_PAD + i * step + step * 0.15,
                "w": step * 0.7,
                "y": y(v),
                "h": CHART_PAD + inner_h - y(v),
                "date": d["date"],
                "mg": v,
                "below": ear is not None and v < ear,
            }
        )
    lines = [
        {"name": n, "mg": v, "y": y(v)} for n, v in (("EAR", ear), ("RDA", rda)) if v is not None
    ]
    return {
        "w": CHART_W,
        "h": CHART_H,
        "pad": CHART_PAD,
        "bars": bars,
        "lines": lines,
        "base": CHART_PAD + inner_h,
        "right": CHART_W - CHART_PAD,
    }


def _dashboard_context(who: _Who, db: Any, owner: User) -> dict[str, Any]:
    """What the dashboard shows of ``owner``'s diary for the asked period (or why not)."""
    q = who.request.query_params
    ctx: dict[str, Any] = {"analysis": None, "problem": None}
    try:
        start = date.fromisoformat(q["from"]) if q.get("from") else None
        end = date.fromisoformat(q["to"]) if q.get("to") else None
    except ValueError:
        start = end = None
        ctx["problem"] = "Dates are written YYYY-MM-DD; showing the last two weeks instead."
    try:
        first, last = analysis_routes.period(db, owner, start, end)
    except crud.FieldError as e:
        first, last = analysis_routes.period(db, owner, None, None)
        ctx["problem"] = str(e)
    ctx.update(start=first, end=last)
    rows = crud.list_entries(db, owner, first, last)
    ctx["entries"] = rows
    try:
        a = analysis_routes.analysis_for(db, owner, first, last)
    except (crud.FieldError, InputError) as e:
        ctx["problem"] = ctx["problem"] or str(e)
        ctx["needs_profile"] = getattr(e, "loc", ()) == ("profile",)
        return ctx
    ass = a["assessment"]
    ad = ass["adequacy"]
    by_food: dict[str, list[Any]] = {}
    for r in rows:
        by_food.setdefault(r.food_id, []).append(r)
    ctx.update(
        analysis=a,
        ass=ass,
        chart=_chart(ass["intake"]["days"], ad.get("ear"), ad.get("rda")),
        by_food=by_food,
        ca_mg=next((i for i in ass["interactions"] if i["id"] == "ca_mg_ratio"), None),
    )
    return ctx


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, who: SignedIn) -> Response:
    """Magnesium by day against EAR and RDA, top sources with their diary lines, adequacy,
    Ca:Mg, MDS and findings with evidence."""
    with request.app.state.sessionmaker() as db:
        ctx = _dashboard_context(who, db, who.user)
    return _render(who, "dashboard.html", **ctx)


def _plan_page(who: _Who, status_code: int = 200, **context: Any) -> HTMLResponse:
    assert who.user is not None
    q = who.request.query_params
    ctx: dict[str, Any] = {"plan": None, "problem": None}
    with who.request.app.state.sessionmaker() as db:
        try:
            start = date.fromisoformat(q["from"]) if q.get("from") else None
            end = date.fromisoformat(q["to"]) if q.get("to") else None
            first, last = analysis_routes.period(db, who.user, start, end)
            a = analysis_routes.analysis_for(db, who.user, first, last, plan=True)
        except (ValueError, crud.FieldError, InputError) as e:
            ctx["problem"] = str(e) if isinstance(e, InputError) else "Dates are YYYY-MM-DD."
            ctx["needs_profile"] = getattr(e, "loc", ()) == ("profile",)
        else:
            decisions = {d.change_key: d.decision for d in crud.list_decisions(db, who.user)}
            ctx.update(
                plan=a["plan"],
                start=first,
                end=last,
                changes=[
                    (analysis_routes.change_key(c), c, decisions.get(analysis_routes.change_key(c)))
                    for c in a["plan"]["changes"]
                ],
            )
    return _render(who, "plan.html", status_code, **ctx, **context)


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, who: SignedIn) -> Response:
    """The plan: each change with its reason, to accept or reject."""
    return _plan_page(who)


@router.post("/plan/decisions", response_class=HTMLResponse)
def plan_decide(
    request: Request,
    who: SignedInForm,
    key: FormStr = "",
    decision: FormStr = "",
) -> Response:
    """Accept or reject one change of the plan."""
    try:
        body = DecisionIn.model_validate({"key": key, "decision": decision})
        with request.app.state.sessionmaker() as db:
            first, last = analysis_routes.period(db, who.user, None, None)
            plan = analysis_routes.analysis_for(db, who.user, first, last, plan=True)["plan"]
            found = [c for c in plan["changes"] if analysis_routes.change_key(c) == body.key]
            if not found:
                raise crud.FieldError(("key",), "the plan has no such change")
            summary = analysis_routes.change_summary(found[0])
            crud.set_decision(db, who.user, body.key, body.decision, summary)
    except (ValidationError, crud.FieldError, InputError) as e:
        msg = str(e) if isinstance(e, InputError) else "choose accept or reject"
        return _plan_page(who, 422, errors={"form": msg})
    return _redirect("/plan")
