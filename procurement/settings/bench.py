"""Benchmark settings: the test settings without what only tests need in every response (the exponent-form guard
middleware reads each response body), so `bench/` measures the product."""

from .test import *  # noqa: F403
from .test import MIDDLEWARE

MIDDLEWARE = [name for name in MIDDLEWARE if not name.startswith("tests.")]
