from .helpers import world  # noqa: F401 - the fixture of every invoice test
