"""Sending mutants to a machine endpoint in-process and judging each answer.

An answer fails when it is a 5xx (or the view raised), or when a 4xx is not in the endpoint's protocol:
a cXML document with a Status for cXML endpoints, never a Django debug page for OCI and browser ones.
Every request runs in its own savepoint, so one crash cannot poison the database for the next.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from lxml import etree

from .mutations import Mutant

REPO = Path(__file__).resolve().parents[2]
# Rerun one failing case: FUZZ_CASE=<case id> (or a prefix ending in "*"). The document's baseline always runs.
CASE_FILTER = os.environ.get("FUZZ_CASE", "").split(" ")[0]  # "<case> StartPage" reruns <case> and its follow-up
MAX_FAILURE_LINES = 30
# Every failure (not only the distinct ones of the assertion message), one JSON object a line, appended here.
FAILURES_FILE = os.environ.get("FUZZ_FAILURES_FILE", "")

_ANSWER_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')
DEBUG_PAGE_MARKERS = ("Traceback (most recent call last)", "Django Version:", 'id="traceback"', "technical_500")

Check = Callable[[HttpResponse], str | None]


def cxml_answer_problem(response: HttpResponse) -> str | None:
    """A cXML endpoint answers a cXML document with a Status; a refusal's Status code is a 4xx."""
    try:
        root = etree.fromstring(response.content, _ANSWER_PARSER)
    except etree.XMLSyntaxError:
        return f"HTTP {response.status_code} answer is not XML: {response.content[:80]!r}"
    status = root.find("Response/Status")
    if root.tag != "cXML" or status is None:
        return f"HTTP {response.status_code} answer has no cXML Response/Status: {response.content[:80]!r}"
    code = status.get("code", "")
    if response.status_code >= 400 and not (code.isdigit() and 400 <= int(code) < 500):
        return f"HTTP {response.status_code} answer carries cXML Status code {code!r}, not a 4xx"
    return None


def html_answer_problem(response: HttpResponse) -> str | None:
    """OCI and browser endpoints refuse with a page of their own, never Django's debug page."""
    if response.status_code < 400:
        return None
    text = response.content.decode("utf-8", errors="replace")
    if any(marker in text for marker in DEBUG_PAGE_MARKERS):
        return f"HTTP {response.status_code} answer is a Django debug page"
    return None


class _Captured(logging.Handler):
    """What the machine endpoints' decorators log when they turn an exception into a 500."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Failure:
    case: str
    mutation: str
    endpoint: str
    status: int
    what: str
    where: str

    @property
    def headline(self) -> str:
        return re.split(r" LINE \d+:", self.what)[0]  # a database error quotes its statement after this

    @property
    def signature(self) -> tuple[str, str, str]:
        """The same error at the same place, whatever the values quoted in its message."""
        first = re.split(r" DETAIL:", self.headline)[0]
        kind = re.sub(r"\d+", "#", re.sub(r"\"[^\"]*\"|'[^']*'", "…", first))[:70]
        return (self.endpoint, kind, self.where)


@dataclass
class Figures:
    requests: int = 0
    slowest_ms: float = 0.0
    slowest_case: str = ""
    slowest_mutation: str = ""
    statuses: dict[str, int] = field(default_factory=dict)


def _gist(response: HttpResponse) -> str:
    text = re.sub(r"\s+", " ", response.content.decode("utf-8", errors="replace"))
    for pattern in (r"<Status[^>]*>[^<]*", r'role="alert"[^>]*>[^<]*', r"<h1[^>]*>[^<]*"):
        found = re.search(pattern, text)
        if found:
            return found.group(0)[:300]
    return text[:300]


def _where(frames: list[tuple[str, int, str]]) -> str:
    """The last frame in our code (not tests, not libraries), and the last frame of all."""
    ours = [
        (path, line, name)
        for path, line, name in frames
        if path.startswith(str(REPO)) and "/tests/" not in path and "/.venv/" not in path
    ]
    parts = []
    if ours:
        path, line, name = ours[-1]
        parts.append(f"{Path(path).relative_to(REPO)}:{line} in {name}")
    if frames and (not ours or frames[-1] != ours[-1]):
        path, line, name = frames[-1]
        short = path.split("site-packages/")[-1] if "site-packages/" in path else path
        parts.append(f"(raised in {short}:{line} in {name})")
    return " ".join(parts) or "no traceback"


class Fuzzer:
    """Posts mutants to endpoints, keeps the figures, and collects every failure for one assertion."""

    def __init__(self, name: str, seed: int | None = None) -> None:
        self.name = name
        self.seed = seed
        self.figures: dict[str, Figures] = {}
        self.failures: list[Failure] = []
        self.logged = _Captured()

    def wanted(self, case: str) -> bool:
        if not CASE_FILTER or case.endswith("#baseline"):
            return True
        if CASE_FILTER.endswith("*"):
            return case.startswith(CASE_FILTER[:-1])
        return case == CASE_FILTER

    def send(
        self,
        client: Client,
        *,
        endpoint: str,
        path: str,
        case: str,
        mutant: Mutant,
        check: Check,
        keep: bool = False,
        after: Callable[[HttpResponse], None] | None = None,
    ) -> HttpResponse | None:
        """One request in a savepoint, rolled back afterwards unless `keep` (so every case starts from the
        same state and can be rerun alone). `after` runs inside it on a 2xx: what a user does next.
        Returns None when the view raised (recorded as a failure)."""
        cache.clear()  # throttles and lockouts count in the cache: fuzzing must reach the logic every time
        logger = logging.getLogger("procurement.machine_endpoints")
        response: HttpResponse | None = None
        try:
            with transaction.atomic():
                self.logged.records.clear()
                logger.addHandler(self.logged)
                started = time.perf_counter()
                try:
                    if mutant.method == "GET":
                        response = cast(
                            HttpResponse, client.generic("GET", path, QUERY_STRING=mutant.body.decode("latin-1"))
                        )
                    else:
                        response = cast(
                            HttpResponse,
                            client.generic("POST", path, data=mutant.body, content_type=mutant.content_type),
                        )
                finally:
                    logger.removeHandler(self.logged)
                    self._time(endpoint, case, mutant, time.perf_counter() - started, response)
                self._judge(case, mutant, endpoint, response, check)
                if CASE_FILTER:  # rerunning a case: show what it sent and what came back
                    print(f"{case} [{mutant.label}] -> {response.status_code} {_gist(response)}")
                if after is not None and response.status_code < 300:
                    after(response)
                if not keep:
                    transaction.set_rollback(True)
        except Exception as error:
            frames = [(f.filename, f.lineno or 0, f.name) for f in traceback.extract_tb(error.__traceback__)]
            message = re.sub(r"\s+", " ", str(error))[:160]
            self._fail(case, mutant, endpoint, 500, f"{type(error).__name__}: {message}", _where(frames))
            if CASE_FILTER:
                print(f"{case} [{mutant.label}] -> raised {type(error).__name__}: {message} @ {_where(frames)}")
        return response

    def _judge(self, case: str, mutant: Mutant, endpoint: str, response: HttpResponse, check: Check) -> None:
        if response.status_code >= 500:
            self._fail(case, mutant, endpoint, response.status_code, *self._logged_error(response))
            return
        problem = check(response)
        if problem:
            self._fail(case, mutant, endpoint, response.status_code, f"protocol: {problem}", "answer")

    def _logged_error(self, response: HttpResponse) -> tuple[str, str]:
        for record in self.logged.records:
            message = record.getMessage()
            frames = [(path, int(line), name) for path, line, name in _FRAME.findall(message)]
            kind = str(record.args[0]) if isinstance(record.args, tuple) and record.args else "error"
            return f"{kind} (answered {response.status_code} by the endpoint's decorator)", _where(frames)
        return f"HTTP {response.status_code}: {response.content[:120]!r}", "answer"

    def _time(self, endpoint: str, case: str, mutant: Mutant, seconds: float, response: HttpResponse | None) -> None:
        figures = self.figures.setdefault(endpoint, Figures())
        figures.requests += 1
        status = str(response.status_code) if response is not None else "raised"
        figures.statuses[status] = figures.statuses.get(status, 0) + 1
        if seconds * 1000 > figures.slowest_ms:
            figures.slowest_ms = round(seconds * 1000, 1)
            figures.slowest_case = case
            figures.slowest_mutation = mutant.label[:120]

    def _fail(self, case: str, mutant: Mutant, endpoint: str, status: int, what: str, where: str) -> None:
        self.failures.append(Failure(case, mutant.label, endpoint, status, what, where))

    # --------------------------------------------------------------------------------------- reporting

    def summary(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "requests": sum(f.requests for f in self.figures.values()),
            "failures": len(self.failures),
            "endpoints": {
                endpoint: {
                    "requests": f.requests,
                    "slowest_ms": f.slowest_ms,
                    "slowest_case": f.slowest_case,
                    "slowest_mutation": f.slowest_mutation,
                    "statuses": dict(sorted(f.statuses.items())),
                }
                for endpoint, f in sorted(self.figures.items())
            },
        }

    def report(self, figures: dict[str, dict[str, object]], record_property: Callable[[str, object], None]) -> None:
        summary = self.summary()
        figures[self.name] = summary
        record_property("fuzz", json.dumps(summary, sort_keys=True))
        print(json.dumps({"fuzz": {self.name: summary}}, sort_keys=True))
        if FAILURES_FILE:
            with open(FAILURES_FILE, "a", encoding="utf-8") as out:
                for failure in self.failures:
                    out.write(json.dumps({"test": self.name, **failure.__dict__}) + "\n")

    def failure_text(self) -> str:
        """Distinct failures first (endpoint, error, where; how many; one case to rerun), capped."""
        groups: dict[tuple[str, str, str], list[Failure]] = {}
        for failure in self.failures:
            groups.setdefault(failure.signature, []).append(failure)
        lines = [f"{len(self.failures)} failing answers, {len(groups)} distinct (rerun one: FUZZ_CASE='<case>'):"]
        for (endpoint, _, where), members in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
            first = members[0]
            lines.append(
                f"- {endpoint} {first.status} x{len(members)}: {first.headline} @ {where}"
                f" | case {first.case} [{first.mutation[:120]}]"
            )
        if len(lines) > MAX_FAILURE_LINES:
            lines = [*lines[:MAX_FAILURE_LINES], f"... and {len(lines) - MAX_FAILURE_LINES} more"]
        return "\n".join(lines)
