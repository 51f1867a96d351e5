"""A test's own WSGI application (the OIDC provider, the SAML IdP) served by gunicorn on localhost in a process of
its own, waited for until it answers, and stopped."""

import subprocess
import sys
from pathlib import Path

import requests

from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_OPTIONS = ("--workers", "1", "--threads", "4", "--log-level", "warning")


def process_stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 15 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wsgi_serve(
    application: str, *, port: int, env: dict[str, str], log: Path, ready_url: str, what: str
) -> subprocess.Popen[bytes]:
    """gunicorn serving `application` ("module:callable") on 127.0.0.1:`port`, once `ready_url` answers 200; its
    output in `log`. Raises (the process stopped) when it does not come up within 60 s."""
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", application, "--bind", f"127.0.0.1:{port}", *GUNICORN_OPTIONS],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"{what} stopped: {log.read_text()[-2000:]}")
        try:
            return requests.get(ready_url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(ready, f"{what} to answer", seconds=60)
    except BaseException:
        process_stop(process)
        raise
    return process
