"""Pages for signing in and out: password, second factor (set up on first sign-in for staff), and one's own account."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Query, Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession, RuntimeDep
from omniwise.errors import TooManyRequests, Unauthorized
from omniwise.users import crypto, login, sessions, totp
from omniwise.users.service import actor_for, audit, to_view
from omniwise.web.forms import Form, Submitted, read
from omniwise.web.routing import PageRouter
from omniwise.web.templating import render, see_other
from omniwise.web.viewer import SESSION_COOKIE, Context, SignedIn, Viewer, clear_cookie, set_cookie

router = PageRouter()


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (`//evil`, `/\\evil`) after signing in."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    return target


def home_of(viewer: Viewer) -> str:
    return "/console" if viewer.is_staff else "/portal"


def _next_query(target: str) -> str:
    return f"?next={quote(target)}" if target else ""


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login")
def login_page(request: Request, context: Context, next: Annotated[str | None, Query()] = None) -> Response:
    if context.viewer is not None:
        return see_other(safe_next(next) or home_of(context.viewer))
    if context.pending_stage is not None:
        return see_other("/login/second-factor")
    return render(request, "account/login.html", {"form": Form(values={"email": ""}), "next": safe_next(next) or ""})


@router.post("/login")
def login_submit(
    request: Request, session: DbSession, runtime: RuntimeDep, context: Context, data: Submitted
) -> Response:
    form = read(data, ["email", "password", "next"])
    target = safe_next(form.value("next")) or ""
    password = form.values.pop("password")
    form.values["password"] = ""
    throttle = request.app.state.login_throttle
    wait = throttle.retry_after(_client(request))
    if wait is not None:
        result = login.SignIn(
            error=TooManyRequests(
                f"email: too many failed sign-ins from this network; try again in {max(1, wait // 60)} minute(s)",
                headers={"Retry-After": str(wait)},
            )
        )
    else:
        result = login.sign_in(
            session, runtime.keyring, settings=runtime.settings, email=form.value("email"), password=password
        )
    if result.error is not None or result.started is None:
        error = result.error or Unauthorized(login.WRONG_PASSWORD)
        if wait is None:  # attempts refused unseen do not push the address's window further out
            throttle.failed(_client(request))
        form.add(error)
        response = render(request, "account/login.html", {"form": form, "next": target}, status_code=error.status_code)
        response.headers.update(error.headers)
        return response
    if context.row is not None:
        session.delete(context.row)  # a half-finished sign-in in this browser is replaced
    set_cookie(request, runtime.settings, SESSION_COOKIE, result.started.token)
    if result.started.row.stage == sessions.FULL:
        return see_other(target or "/")
    return see_other("/login/second-factor" + _next_query(target))


@router.get("/login/second-factor")
def second_factor_page(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    context: Context,
    next: Annotated[str | None, Query()] = None,
) -> Response:
    """Staff without an authenticator get a new secret, shown this once; everyone else is asked for a code."""
    if context.viewer is not None:
        return see_other(safe_next(next) or home_of(context.viewer))
    if context.pending_stage is None or context.user is None:
        return see_other("/login")
    values: dict[str, object] = {"form": Form(values={"code": ""}), "next": safe_next(next) or "", "enrolment": None}
    if context.pending_stage == sessions.ENROL:
        values["enrolment"] = _enrolment(session, runtime, context)
    return render(request, "account/second_factor.html", values)


def _enrolment(session: DbSession, runtime: RuntimeDep, context: Context) -> dict[str, str]:
    assert context.user is not None
    secret = login.new_totp_secret(session, runtime.keyring, user=context.user)
    account = crypto.open_field(runtime.keyring, context.user, "email") or str(context.user.id)
    return {"secret": totp.grouped(secret), "uri": totp.provisioning_uri(secret, account=account)}


@router.post("/login/second-factor")
def second_factor_submit(
    request: Request, session: DbSession, runtime: RuntimeDep, context: Context, data: Submitted
) -> Response:
    form = read(data, ["code", "next"])
    target = safe_next(form.value("next")) or ""
    if context.pending_stage is None or context.user is None or context.row is None:
        return see_other("/login")
    error = login.check_code(
        session, runtime.keyring, settings=runtime.settings, user=context.user, code=form.value("code")
    )
    if error is not None:
        form.values["code"] = ""
        form.add(error)
        values = {
            "form": form,
            "next": target,
            "enrolment": None,
            "retry_enrolment": context.pending_stage == sessions.ENROL,
        }
        return render(request, "account/second_factor.html", values, status_code=error.status_code)
    token = sessions.promote(session, row=context.row, settings=runtime.settings)
    audit(session, actor_for(context.user), context.user, "started", subject="session")
    set_cookie(request, runtime.settings, SESSION_COOKIE, token)
    return see_other(target or "/")


@router.get("/logout")
def logout_page(request: Request, context: Context) -> Response:
    """Signing out changes state, so it is a button (a POST), not a link another site could follow."""
    if context.row is None:
        return see_other("/login")
    return render(request, "account/logout.html")


@router.post("/logout")
def logout_submit(request: Request, session: DbSession, runtime: RuntimeDep, context: Context) -> Response:
    if context.row is not None and context.user is not None:
        sessions.end_session(session, row=context.row, user=context.user, actor=actor_for(context.user))
    clear_cookie(request, runtime.settings, SESSION_COOKIE)
    return see_other("/login", request=request, message="You have signed out.")


@router.get("/account")
def account_page(request: Request, session: DbSession, runtime: RuntimeDep, viewer: SignedIn) -> Response:
    values = {
        "account": to_view(runtime.keyring, viewer.user),
        "sessions": sessions.sessions_of(session, user=viewer.user),
        "current_session": viewer.session.id,
        "form": Form(values={"code": ""}),
    }
    return render(request, "account/account.html", values)


@router.post("/account/sessions/end-all")
def end_everywhere(request: Request, session: DbSession, runtime: RuntimeDep, viewer: SignedIn) -> Response:
    ended = sessions.end_all_sessions(session, user=viewer.user, actor=viewer.actor)
    clear_cookie(request, runtime.settings, SESSION_COOKIE)
    return see_other(
        "/login", request=request, message=f"You have been signed out everywhere ({ended} session(s) ended)."
    )


@router.get("/account/second-factor")
def account_second_factor_page(request: Request, session: DbSession, runtime: RuntimeDep, viewer: SignedIn) -> Response:
    """A tenant user may add an authenticator; from then on every sign-in asks for a code."""
    if viewer.user.totp_confirmed_at is not None:
        return see_other("/account")
    secret = login.new_totp_secret(session, runtime.keyring, user=viewer.user)
    account = crypto.open_field(runtime.keyring, viewer.user, "email") or str(viewer.user.id)
    enrolment = {"secret": totp.grouped(secret), "uri": totp.provisioning_uri(secret, account=account)}
    return render(
        request, "account/add_second_factor.html", {"form": Form(values={"code": ""}), "enrolment": enrolment}
    )


@router.post("/account/second-factor")
def account_second_factor_submit(
    request: Request, session: DbSession, runtime: RuntimeDep, viewer: SignedIn, data: Submitted
) -> Response:
    form = read(data, ["code"])
    error = login.check_code(
        session, runtime.keyring, settings=runtime.settings, user=viewer.user, code=form.value("code")
    )
    if error is not None:
        form.values["code"] = ""
        form.add(error)
        values = {"form": form, "enrolment": None}
        return render(request, "account/add_second_factor.html", values, status_code=error.status_code)
    return see_other("/account", request=request, message="Two-step sign-in is on: every sign-in will ask for a code.")


@router.post("/account/second-factor/remove")
def remove_second_factor(
    request: Request, session: DbSession, runtime: RuntimeDep, viewer: SignedIn, data: Submitted
) -> Response:
    form = read(data, ["code"])
    error = login.remove_second_factor(
        session,
        runtime.keyring,
        settings=runtime.settings,
        user=viewer.user,
        code=form.value("code"),
        actor=viewer.actor,
    )
    if error is not None:
        form.values["code"] = ""
        form.add(error)
        values = {
            "account": to_view(runtime.keyring, viewer.user),
            "sessions": sessions.sessions_of(session, user=viewer.user),
            "current_session": viewer.session.id,
            "form": form,
        }
        return render(request, "account/account.html", values, status_code=error.status_code)
    return see_other("/account", request=request, message="Two-step sign-in is off.")
