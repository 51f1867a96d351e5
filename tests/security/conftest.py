import json

import pytest

# What each fuzzing test measured, for the one JSON line at the end of the run.
FUZZ_FIGURES = pytest.StashKey[dict[str, dict[str, object]]]()


@pytest.fixture
def fuzz_figures(request: pytest.FixtureRequest) -> dict[str, dict[str, object]]:
    return request.config.stash.setdefault(FUZZ_FIGURES, {})


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Requests per endpoint and the slowest answer: a benchmark figure, never an assertion."""
    figures = config.stash.get(FUZZ_FIGURES, None)
    if figures:
        terminalreporter.write_sep("-", "fuzzing figures")
        terminalreporter.write_line(json.dumps({"fuzz": figures}, sort_keys=True))
