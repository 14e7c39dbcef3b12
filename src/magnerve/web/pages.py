"""Server-rendered pages (Jinja2, autoescaped): sign-in, sign-up, the diary day, an entry's
edit form and the account page. They work without JavaScript; ``static/app.js`` only adds
food autocomplete. Every form carries a CSRF token: the session's once signed in, a
double-submit cookie before.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from pydantic import ValidationError

from magnerve import foods
from magnerve.web import crud
from magnerve.web.api.deps import client_ip, get_settings
from magnerve.web.core import security
from magnerve.web.models import AuthSession, User
from magnerve.web.schemas import (
    DB_INT_MAX,
    LIMITS,
    CopyRequest,
    Credentials,
    EntryCreate,
    EntryUpdate,
    PasswordChange,
    SignIn,
    TokenCreate,
)
from magnerve.web.session import clear_session_cookie, set_csrf_cookie, set_session_cookie

__all__ = ["router", "templates"]

router = APIRouter(include_in_schema=False)

_env = Environment(
    loader=FileSystemLoader(str(resources.files("magnerve.web").joinpath("templates"))),
    autoescape=True,  # user text (food lines, notes) is always escaped
)
_env.filters["percent"] = lambda x: f"{100 * float(x):.0f} %"
templates = Jinja2Templates(env=_env)

FormStr = Annotated[str, Form()]


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
                found = crud.session_user(db, raw)
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
    return _render(_Who(request), "signup.html", email="")


@router.post("/signup", response_class=HTMLResponse)
def signup(
    request: Request, email: FormStr = "", password: FormStr = "", csrf_token: FormStr = ""
) -> Response:
    """Create the account, sign in and go to the diary."""
    who = _Who(request)
    if not who.csrf_ok(csrf_token):
        return _forbidden(who)
    settings = get_settings(request)
    try:
        body = Credentials.model_validate({"email": email, "password": password})
        with request.app.state.sessionmaker() as db:
            user = crud.create_user(db, body.email, body.password)
            raw, _ = crud.create_session(db, user, settings)
    except (ValidationError, crud.FieldError) as e:
        return _render(who, "signup.html", 422, email=email, errors=_errors(e))
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
    q = who.request.query_params.get("q", "")[: LIMITS.text_max_length]
    hits = foods.search(q, LIMITS.search_default_limit) if q.strip() else []
    context.setdefault("form", {"text": "", "meal": "", "note": ""})
    return _render(
        who,
        "diary.html",
        status_code,
        day=day,
        prev_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        entries=entries,
        q=q,
        hits=hits,
        **context,
    )


@router.get("/diary/{day}", response_class=HTMLResponse)
def diary_page(request: Request, day: str) -> Response:
    """One day of the diary, with the entry form and food search."""
    who = _Who(request)
    if who.user is None:
        return _redirect("/")
    d = _day(day)
    if d is None:
        return _render(who, "message.html", 404, title="Not found", message="No such day.")
    return _diary(who, d)


@router.post("/diary/{day}/entries", response_class=HTMLResponse)
def add_entry(
    request: Request,
    day: str,
    text: FormStr = "",
    meal: FormStr = "",
    note: FormStr = "",
    csrf_token: FormStr = "",
) -> Response:
    """Add a typed line to the day."""
    who = _Who(request)
    if who.user is None:
        return _redirect("/")
    if not who.csrf_ok(csrf_token):
        return _forbidden(who)
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
    request: Request, day: str, from_date: FormStr = "", csrf_token: FormStr = ""
) -> Response:
    """Copy another day's entries to this day."""
    who = _Who(request)
    if who.user is None:
        return _redirect("/")
    if not who.csrf_ok(csrf_token):
        return _forbidden(who)
    d = _day(day)
    if d is None:
        return _render(who, "message.html", 404, title="Not found", message="No such day.")
    try:
        body = CopyRequest.model_validate({"from_date": from_date, "to_date": d})
        with request.app.state.sessionmaker() as db:
            crud.copy_day(db, who.user, body.from_date, body.to_date, None)
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
def edit_page(request: Request, entry_id: str) -> Response:
    """The edit form of one of the person's entries."""
    who = _Who(request)
    if who.user is None:
        return _redirect("/")
    row = _entry_or_404(who, entry_id)
    if row is None:
        return _render(who, "message.html", 404, title="Not found", message="No such entry.")
    form = {"text": row.text, "meal": row.meal or "", "note": row.note, "date": row.date}
    return _render(who, "edit.html", entry=row, form=form)


@router.post("/entries/{entry_id}/edit", response_class=HTMLResponse)
def edit_entry(
    request: Request,
    entry_id: str,
    text: FormStr = "",
    meal: FormStr = "",
    note: FormStr = "",
    entry_date: FormStr = "",
    food_id: FormStr = "",
    csrf_token: FormStr = "",
) -> Response:
    """Save the edit form."""
    who = _Who(request)
    if who.user is None:
        return _redirect("/")
    if not who.csrf_ok(csrf_token):
        return _forbidden(who)
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
    except (ValidationError, crud.FieldError) as e:
        form = {"text": text, "meal": meal, "note": note, "date": entry_date}
        errors = _errors(e)
        if "entry_date" not in errors and "date" in errors:
            errors["entry_date"] = errors.pop("date")
        return _render(who, "edit.html", 422, entry=row, form=form, errors=errors)
    return _redirect(f"/diary/{row.date.isoformat()}")


@router.post("/entries/{entry_id}/delete")
def delete_entry(request: Request, entry_id: str, csrf_token: FormStr = "") -> Response:
    """Delete one of the person's entries."""
    who = _Who(request)
    if who.user is None:
        return _redirect("/")
    if not who.csrf_ok(csrf_token):
        return _forbidden(who)
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
    return _render(who, "account.html", status_code, tokens=tokens, **context)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request) -> Response:
    """Password change and personal access tokens."""
    who = _Who(request)
    if who.user is None:
        return _redirect("/")
    return _account(who)


@router.post("/account/password", response_class=HTMLResponse)
def account_password(
    request: Request,
    current_password: FormStr = "",
    new_password: FormStr = "",
    csrf_token: FormStr = "",
) -> Response:
    """Change the password (other sessions end)."""
    who = _Who(request)
    if who.user is None:
        return _redirect("/")
    if not who.csrf_ok(csrf_token):
        return _forbidden(who)
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
def account_new_token(request: Request, name: FormStr = "", csrf_token: FormStr = "") -> Response:
    """Create a personal access token and show it once."""
    who = _Who(request)
    if who.user is None:
        return _redirect("/")
    if not who.csrf_ok(csrf_token):
        return _forbidden(who)
    try:
        body = TokenCreate.model_validate({"name": name})
    except ValidationError as e:
        return _account(who, 422, errors=_errors(e))
    with request.app.state.sessionmaker() as db:
        raw, _ = crud.create_token(db, who.user, body.name)
    return _account(who, new_token=raw)


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def account_revoke_token(request: Request, token_id: str, csrf_token: FormStr = "") -> Response:
    """Revoke a personal access token."""
    who = _Who(request)
    if who.user is None:
        return _redirect("/")
    if not who.csrf_ok(csrf_token):
        return _forbidden(who)
    deleted = False
    if token_id.isascii() and token_id.isdigit() and int(token_id) <= DB_INT_MAX:
        with request.app.state.sessionmaker() as db:
            deleted = crud.delete_token(db, who.user, int(token_id))
    if not deleted:
        return _render(who, "message.html", 404, title="Not found", message="No such token.")
    return _redirect("/account")
