import os
import shutil

import pytest

BROWSER_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machine's network is closed: keep Chromium from calling home.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, not a browser downloaded by Playwright."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    return {**browser_type_launch_args, "executable_path": path, "args": BROWSER_ARGS}


@pytest.fixture
def page(page):
    """Every browser test fails on a script error or a Content-Security-Policy violation in its pages.

    Chromium reports a violation as a console error ("Refused to … because it violates the following
    Content Security Policy directive …"); an uncaught exception is a page error. Messages about
    resources that answered 4xx are left alone: tests open refused pages on purpose.
    """
    problems: list[str] = []

    def on_console(message):
        if message.type == "error" and "Failed to load resource" not in message.text:
            problems.append(f"console error on {message.location.get('url', '?')}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield page
    assert problems == []
