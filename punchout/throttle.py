"""Failed logins on machine endpoints, counted per credential in the shared cache, with a bounded backoff.

Counting per credential (an OCI user name, a cXML identity) rather than per caller address means a proxy in
front of us does not let one caller lock everyone out, and a guesser cannot spread attempts over addresses.
The first `FREE_FAILURES` failures in a row cost nothing; after that each further attempt must wait
`BASE_DELAY_SECONDS * 2**(n - FREE_FAILURES)` seconds, capped at `MAX_DELAY_SECONDS`: never a hard lock, so
someone failing under the ERP's name can slow the real ERP down by a few minutes at most. During the wait
every attempt is refused *before* its credential is checked, so a right secret and a wrong one look alike
(no oracle). A success resets the count; the count itself is forgotten `FORGET_SECONDS` after the last failure.

The cache is Django's default cache: Redis when REDIS_URL is set, otherwise a file cache that every worker
process of the machine shares (settings.CACHES).

Use it like this on any endpoint that checks a secret (for cXML, names = cxml_header_credentials(header)):

    try:
        throttle_check(scope="cxml", credentials=names)   # raises Throttled during a wait
    except Throttled as wait:
        ... answer 429 with Retry-After: wait.retry_after
    if credential_ok:
        throttle_success(scope="cxml", credentials=names)
    else:
        throttle_failure(scope="cxml", credentials=names)
"""

import hashlib
import math
import time
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.utils.translation import gettext as _

from . import cxml

__all__ = [
    "BASE_DELAY_SECONDS",
    "FREE_FAILURES",
    "MAX_DELAY_SECONDS",
    "Throttled",
    "cxml_header_credentials",
    "throttle_check",
    "throttle_failure",
    "throttle_success",
]

FREE_FAILURES = 5
BASE_DELAY_SECONDS = 2
MAX_DELAY_SECONDS = 5 * 60
FORGET_SECONDS = 60 * 60
MAX_CREDENTIALS = 8  # a document naming more identities than this is throttled on the first ones

clock: Callable[[], float] = time.time  # tests move it forward instead of sleeping


class Throttled(Exception):
    """Too many failures for this credential: try again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        self.message = _("Too many failed logins: try again in %(retry_after)s seconds.") % {
            "retry_after": self.retry_after
        }
        super().__init__(self.message)


def cxml_header_credentials(header: cxml.Header) -> list[str]:
    """What a cXML endpoint counts failures against: every From identity and the Sender identity presented.

    Every one of them, so a guesser cannot escape the count by varying the Sender while naming its target
    in From (or the other way round).
    """
    presented = [*header.from_credentials, header.sender]
    return [f"{c.domain.strip().casefold()}|{c.identity.strip()}" for c in presented if c.identity.strip()]


def _keys(scope: str, credentials: Iterable[str]) -> list[str]:
    names = sorted({str(c).strip().casefold() for c in credentials if str(c).strip()})[:MAX_CREDENTIALS]
    # Hashed: cache keys must be short and free of odd characters, and a cache dump shows no user names.
    return [f"throttle:{scope}:{hashlib.sha256(name.encode()).hexdigest()}" for name in names]


def delay_after(failures: int) -> int:
    """Seconds to wait after `failures` failures in a row (0 for the first FREE_FAILURES)."""
    if failures < FREE_FAILURES:
        return 0
    return int(min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** min(failures - FREE_FAILURES, 30)))


def throttle_check(*, scope: str, credentials: Iterable[str]) -> None:
    """Raise Throttled when any of these credentials is waiting after too many failures."""
    now = clock()
    waits = [until - now for until in cache.get_many([k + ":until" for k in _keys(scope, credentials)]).values()]
    longest = max(waits, default=0.0)
    if longest > 0:
        raise Throttled(math.ceil(longest))


def throttle_failure(*, scope: str, credentials: Iterable[str]) -> int:
    """Count a failure for each credential; returns the seconds the next attempt must wait (0 if none)."""
    wait = 0
    for key in _keys(scope, credentials):
        cache.add(key, 0, FORGET_SECONDS)
        try:
            failures = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, FORGET_SECONDS)
            failures = 1
        cache.touch(key, FORGET_SECONDS)
        delay = delay_after(failures)
        if delay:
            cache.set(key + ":until", clock() + delay, FORGET_SECONDS)
        wait = max(wait, delay)
    return wait


def throttle_success(*, scope: str, credentials: Iterable[str]) -> None:
    """A right credential outside a wait: forget its failures."""
    keys = _keys(scope, credentials)
    cache.delete_many([*keys, *(k + ":until" for k in keys)])


class TooManyFailures(cxml.CXMLError):
    """A cXML sender in its backoff: answered as Status 429, with Retry-After."""

    def __init__(self, throttled: Throttled) -> None:
        super().__init__(429, throttled.message)
        self.retry_after = throttled.retry_after


def cxml_sender_authenticate[T](*, scope: str, header: cxml.Header, authenticate: Callable[[cxml.Header], T]) -> T:
    """`authenticate(header)` with failures counted per identity presented: during a backoff even the right
    secret is refused (TooManyFailures), so a guesser learns nothing; a success resets the count."""
    names = cxml_header_credentials(header)
    try:
        throttle_check(scope=scope, credentials=names)
    except Throttled as throttled:
        raise TooManyFailures(throttled) from None
    try:
        found = authenticate(header)
    except cxml.AuthenticationFailed:
        throttle_failure(scope=scope, credentials=names)
        raise
    throttle_success(scope=scope, credentials=names)
    return found
