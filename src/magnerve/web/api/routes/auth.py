"""Accounts: sign-up, sign-in, sign-out, the signed-in account and its password."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from magnerve.web import crud
from magnerve.web.api.deps import CurrentCaller, Db, client_ip, get_settings
from magnerve.web.core import security
from magnerve.web.schemas import Credentials, PasswordChange, SignedIn, SignIn, UserOut
from magnerve.web.session import clear_session_cookie, set_session_cookie

router = APIRouter(tags=["accounts"])


def _user_out(user: object) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


@router.post("/auth/signup", status_code=status.HTTP_201_CREATED, response_model=UserOut)
def signup(body: Credentials, db: Db) -> UserOut:
    """Create an account, a person's (default) or a professional's (sign in afterwards)."""
    return _user_out(crud.create_user(db, body.email, body.password, body.role))


@router.post(
    "/auth/login",
    response_model=SignedIn,
    responses={
        401: {"description": "Wrong e-mail or password"},
        429: {"description": "Rate limited"},
    },
)
def login(body: SignIn, request: Request, response: Response, db: Db) -> SignedIn:
    """Sign in: sets the HttpOnly session cookie and returns the CSRF token for unsafe calls."""
    settings = get_settings(request)
    try:
        user = crud.authenticate(db, body.email, body.password, client_ip(request), settings)
    except crud.RateLimited as e:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=str(e),
            headers={"Retry-After": str(e.retry_after)},
        ) from None
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="wrong e-mail or password")
    raw, session = crud.create_session(db, user, settings)
    set_session_cookie(response, raw, settings)
    return SignedIn(user=_user_out(user), csrf_token=session.csrf_token)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(caller: CurrentCaller, request: Request, db: Db) -> Response:
    """Sign out: the session is deleted on the server and the cookie cleared."""
    if caller.session is not None:
        crud.delete_session(db, caller.session)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookie(response, get_settings(request))
    return response


@router.get("/users/me", response_model=UserOut)
def me(caller: CurrentCaller) -> UserOut:
    """The signed-in account."""
    return _user_out(caller.user)


@router.post("/users/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(body: PasswordChange, caller: CurrentCaller, db: Db) -> Response:
    """Change the password; every other session of the account ends."""
    if not security.verify_password(body.current_password, caller.user.password_hash):
        raise crud.FieldError(("body", "current_password"), "the current password is wrong")
    crud.set_password(db, caller.user, body.new_password, caller.session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
