"""Waiting in tests for what other processes do (a worker, beat, a server): on a condition with a deadline,
never a fixed sleep; and a free local port for a server a test starts."""

import socket
import time
from collections.abc import Callable
from typing import Any


def wait_until(condition: Callable[[], Any], seconds: float = 60, every: float = 0.1) -> bool:
    """True as soon as `condition()` is; its last answer when `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(every)
    return bool(condition())


def wait_for(condition: Callable[[], Any], what: str, seconds: float = 120, every: float = 0.2) -> Any:
    """`condition()`'s first true answer; an AssertionError naming `what` when `seconds` pass without one."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
