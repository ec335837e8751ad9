"""Who is asking, and may they: sessions, API tokens, roles, CSRF and the login rate limit.

Scripts send ``Authorization: Bearer TOKEN``; browsers carry the session cookie (HttpOnly,
SameSite=Strict, Secure under https). A browser's unsafe request (POST, PATCH, DELETE) must also
carry the session's CSRF token, in the ``X-CSRF-Token`` header (scripts on the page) or the
``csrf_token`` form field (HTML forms). Token requests need no CSRF token: browsers never add
an ``Authorization`` header by themselves.

Nobody signed in gets 401, a signed-in user below the needed role 403.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from fastapi import HTTPException, Request

from seawatch.web.accounts import AccountStore, Session, User

SESSION_COOKIE = "seawatch_session"
LOGIN_CSRF_COOKIE = "seawatch_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """The caller of one request.

    Attributes
    ----------
    user
        Signed-in user, or None for an anonymous caller.
    session
        The browser session when signed in by cookie (None with a token).
    """

    user: User | None = None
    session: Session | None = None

    @property
    def name(self) -> str | None:
        return self.user.name if self.user else None


ANONYMOUS = Principal()


def accounts_of(request: Request) -> AccountStore:
    return request.app.state.accounts


def get_principal(request: Request) -> Principal:
    """Resolve the caller once per request (token first, then session cookie).

    Raises
    ------
    HTTPException
        401 when an ``Authorization`` header is present but its token is not valid.
    """
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    accounts = accounts_of(request)
    principal = ANONYMOUS
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        user = accounts.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise unauthorized("the API token is not valid, or its user is disabled")
        principal = Principal(user=user)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        session = accounts.session(cookie)
        if session is not None:
            principal = Principal(user=session.user, session=session)
    request.state.principal = principal
    return principal


def unauthorized(
    detail: str = "sign in first (or send Authorization: Bearer TOKEN)",
) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def public_map(request: Request) -> bool:
    return bool(request.app.state.settings.web.public_map)


def require_viewer(request: Request) -> Principal:
    """Dependency: anyone signed in, or anyone at all when ``[web] public_map`` is on."""
    principal = get_principal(request)
    if principal.user is None and not public_map(request):
        raise unauthorized()
    return principal


def require_user(request: Request) -> Principal:
    """Dependency: a signed-in user of any role."""
    principal = get_principal(request)
    if principal.user is None:
        raise unauthorized()
    return principal


def require_coordinator(request: Request) -> Principal:
    """Dependency for writes: a coordinator or admin, with a valid CSRF token in a browser."""
    principal = get_principal(request)
    if principal.user is None:
        raise unauthorized()
    if not principal.user.can_edit:
        raise HTTPException(
            status_code=403,
            detail=f"{principal.user.name} is a {principal.user.role}; "
            "only coordinators and admins can change incidents",
        )
    check_csrf(request, principal, request.headers.get(CSRF_HEADER))
    return principal


def check_csrf(request: Request, principal: Principal, sent: str | None) -> None:
    """Refuse an unsafe cookie-authenticated request without the session's CSRF token."""
    if request.method in SAFE_METHODS or principal.session is None:
        return
    if not sent or not secrets.compare_digest(sent, principal.session.csrf_token):
        raise HTTPException(
            status_code=403,
            detail="this request did not come from a seawatch page (CSRF token missing or "
            "wrong); reload the page and try again",
        )


class LoginLimiter:
    """Sliding-window limit on failed sign-ins, per user name and per client address.

    Parameters
    ----------
    per_name
        Failures allowed for one name within ``window`` seconds.
    per_address
        Failures allowed from one client address within ``window`` seconds.
    """

    def __init__(self, per_name: int = 5, per_address: int = 20, window: float = 900.0):
        self.per_name = per_name
        self.per_address = per_address
        self.window = window
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def attempt(self, name: str, address: str) -> int:
        """Check and take one attempt at once: seconds to wait, or 0 to go ahead.

        An attempt that goes ahead counts as a failure until :meth:`succeeded` says otherwise,
        so parallel attempts cannot all pass the check while their passwords are being verified.
        """
        now = time.monotonic()
        with self._lock:
            wait = max(
                self._wait(("name", name.lower()), self.per_name, now),
                self._wait(("addr", address), self.per_address, now),
            )
            if not wait:
                self._failures[("name", name.lower())].append(now)
                self._failures[("addr", address)].append(now)
        return wait

    def succeeded(self, name: str, address: str) -> None:
        """Forget the name's failures and take back the attempt counted for the address."""
        with self._lock:
            self._failures.pop(("name", name.lower()), None)
            stamps = self._failures.get(("addr", address))
            if stamps:
                stamps.pop()

    def _wait(self, key: tuple[str, str], limit: int, now: float) -> int:
        stamps = self._failures.get(key)
        if not stamps:
            return 0
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if not stamps:
            del self._failures[key]
            return 0
        if len(stamps) < limit:
            return 0
        return max(1, int(stamps[-limit] + self.window - now) + 1)
