"""Local development: SQLite file, tasks in-process, debug pages."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

DEMO_SUPPLIER_ENDPOINT = True

# The demo's people sign in with the password "demo" (README): `make run` asks no second factor unless
# TWO_FACTOR_REQUIRED=1 is set; production (prod.py) keeps base.py's default, on.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", False)
