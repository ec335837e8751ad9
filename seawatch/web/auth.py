"""Who is asking, and may they: sessions, API tokens, roles, CSRF and the login rate limit.

Scripts send ``Authorization: Bearer TOKEN``; browsers carry the session cookie (HttpOnly,
SameSite=Strict, Secure under https). A browser's unsafe request (POST, PATCH, DELETE) must also
carry the session's CSRF token, in the ``X-CSRF-Token`` header (scripts on the page) or the
``csrf_token`` form field (HTML forms). Token requests need no CSRF token: browsers never add
an ``Authorization`` header by themselves.

Nobody signed in gets 401, a signed-in user below the needed role 403.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from argon2 import extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import verify_secret
from fastapi import HTTPException, Request

from seawatch.web.accounts import AccountStore, Session, User

SESSION_COOKIE = "seawatch_session"
LOGIN_CSRF_COOKIE = "seawatch_login_csrf"
# Under https the cookies carry the __Host- prefix: the browser then keeps them only if they
# are Secure, for this host alone and for the whole site, so no sibling subdomain or plain
# http page can plant or overwrite them. Plain http (a LAN without TLS) keeps the bare names.
HOST_PREFIX = "__Host-"


def cookie_name(request: Request, base: str) -> str:
    """The name of cookie ``base`` for this request's scheme."""
    return HOST_PREFIX + base if request.url.scheme == "https" else base


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
    elif cookie := request.cookies.get(cookie_name(request, SESSION_COOKIE)):
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


@dataclass(frozen=True)
class _Rule:
    """Failures allowed free, then a wait after each failure growing from ``base`` to ``cap``."""

    free: int
    base: float
    cap: float

    def wait(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.cap, self.base * 2.0 ** (failures - self.free))


class LoginLimiter:
    """Growing delays after failed sign-ins, per client address, per name and per both.

    Nothing is ever locked for good and no name is locked from every address: whoever guesses
    at a name waits longer after each failure from their address (up to ``max_delay``), while
    the same name from elsewhere waits at most ``max_name_delay`` (and not at all from an
    address that signed in as that name before). So a flood of wrong passwords cannot lock a
    coordinator out, and guessing stays slow.

    The numbers are assumptions, to calibrate: 3 free failures per name and address, 10 per
    address (several people behind one NAT) and 10 per name from anywhere in ``window``; the
    wait doubles from 2 s.
    """

    def __init__(
        self,
        free_per_pair: int = 3,
        free_per_address: int = 10,
        free_per_name: int = 10,
        base_delay: float = 2.0,
        max_delay: float = 900.0,
        max_name_delay: float = 30.0,
        window: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rules = {
            "pair": _Rule(free_per_pair, base_delay, max_delay),
            "addr": _Rule(free_per_address, base_delay, max_delay),
            "name": _Rule(free_per_name, base_delay / 2, max_name_delay),
        }
        self.window = window
        self._clock = clock
        self._failures: dict[tuple[str, ...], deque[float]] = defaultdict(deque)
        self._trusted: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def _keys(self, name: str, address: str) -> dict[str, tuple[str, ...]]:
        folded = name.lower()
        keys = {"pair": ("pair", folded, address), "addr": ("addr", address)}
        if (folded, address) not in self._trusted:
            keys["name"] = ("name", folded)
        return keys

    def attempt(self, name: str, address: str) -> int:
        """Check and take one attempt at once: seconds to wait, or 0 to go ahead.

        An attempt that goes ahead counts as a failure until :meth:`succeeded` says otherwise,
        so parallel attempts cannot all pass the check while their passwords are being verified.
        """
        now = self._clock()
        with self._lock:
            if len(self._failures) > _MAX_KEYS:
                self._forget_old(now)
            keys = self._keys(name, address)
            wait = max(self._wait(key, self.rules[kind], now) for kind, key in keys.items())
            if wait:
                return max(1, int(wait + 0.999))
            for key in (("pair", name.lower(), address), ("addr", address), ("name", name.lower())):
                self._failures[key].append(now)
        return 0

    def succeeded(self, name: str, address: str) -> None:
        """Forget the name's failures and take back the attempt counted for the address."""
        folded = name.lower()
        with self._lock:
            self._failures.pop(("pair", folded, address), None)
            self._failures.pop(("name", folded), None)
            stamps = self._failures.get(("addr", address))
            if stamps:
                stamps.pop()
            if len(self._trusted) > _MAX_KEYS:
                self._trusted.clear()
            self._trusted[(folded, address)] = self._clock()

    def release(self, name: str, address: str) -> None:
        """Take back an attempt whose password was never checked (the service was busy)."""
        with self._lock:
            for key in (("pair", name.lower(), address), ("addr", address), ("name", name.lower())):
                stamps = self._failures.get(key)
                if stamps:
                    stamps.pop()

    def _wait(self, key: tuple[str, ...], rule: _Rule, now: float) -> float:
        stamps = self._failures.get(key)
        if not stamps:
            return 0.0
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if not stamps:
            del self._failures[key]
            return 0.0
        return max(0.0, stamps[-1] + rule.wait(len(stamps)) - now)

    def _forget_old(self, now: float) -> None:
        old = [
            k
            for k, stamps in self._failures.items()
            if not stamps or stamps[-1] <= now - self.window
        ]
        for key in old:
            del self._failures[key]


# How much lower than the API the password checks run: the nice value of the process that
# does them (Linux gives a process at +10 about a tenth of the CPU a +0 one gets when both
# want it). Assumption, to calibrate: a sign-in may take longer when the machine is busy.
HASH_NICE = 10


class HashSlots:
    """At most ``concurrent`` password checks at once and ``queue`` waiting (event-loop side).

    argon2id with argon2-cffi's defaults takes 64 MiB and four threads per check; unbounded, a
    flood of sign-ins ran one per thread-pool worker (+850 MB measured, API 20 ms -> 410 ms).
    One at a time keeps the memory at 64 MiB; 32 waiting is an assumption, to calibrate.

    The checks run in a separate process at a lower CPU priority (started at the first
    sign-in), so they cannot take the cores from the API. Not a thread of this process: a
    lowered thread that the scheduler leaves waiting while it holds Python's interpreter lock
    stalls every request (measured: API p99 2.4 s on a loaded machine).
    """

    def __init__(self, concurrent: int = 1, queue: int = 32, nice: int = HASH_NICE) -> None:
        self.semaphore = asyncio.Semaphore(concurrent)
        self.limit = concurrent + queue
        self.inside = 0
        self.concurrent = concurrent
        self.nice = nice
        self._pool: ProcessPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def enter(self) -> bool:
        if self.inside >= self.limit:
            return False
        self.inside += 1
        return True

    def leave(self) -> None:
        self.inside -= 1

    def _executor(self) -> ProcessPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self.concurrent,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=os.nice,
                    initargs=(self.nice,),
                )
            return self._pool

    def verify(self, stored: str, password: str) -> bool:
        """The argon2 check in the checking process (blocks the calling thread, not the GIL)."""
        try:
            kind = extract_parameters(stored).type
        except InvalidHashError:
            return False
        # argon2's own function: the checking process imports argon2 and nothing of seawatch
        args = (stored.encode("ascii"), password.encode("utf-8", "surrogatepass"), kind)
        try:
            try:
                return self._executor().submit(verify_secret, *args).result()
            except BrokenProcessPool:  # the checking process died (e.g. out of memory)
                with self._pool_lock:
                    self._pool = None
                return self._executor().submit(verify_secret, *args).result()
        except (VerificationError, InvalidHashError):
            return False

    def start(self) -> None:
        """Start the checking process now rather than at the first sign-in."""
        self._executor().submit(os.getpid)

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None


# Bounded memory under a flood of addresses or names (assumption, to calibrate).
_MAX_KEYS = 100_000
