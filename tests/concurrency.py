"""Race tests with real threads on PostgreSQL (after django-oscar's run_concurrently)."""

import threading
from collections.abc import Callable

from django.db import connection


def run_concurrently(calls: list[Callable[[], object]], timeout: float = 120) -> list[object]:
    """Start every call on its own thread at the same moment; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results
