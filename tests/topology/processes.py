"""Processes the topology test starts and always stops: the lines of deploy/Procfile, and a Redis of its own
(so it can be restarted mid-run without touching the test Redis)."""

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from tests.waiting import free_port

from .procfile import ROOT, procfile


def stop_group(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """SIGTERM to the process's group (a gunicorn master and its workers, a Celery worker and its pool), then
    SIGKILL to what is left."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # children that outlived their parent too
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5)


class ProcessSet:
    """Procfile processes started with one environment; each in its own process group, its output in a file."""

    def __init__(self, environment: dict[str, str], logs: Path) -> None:
        self.environment = environment
        self.logs = logs
        self.commands = procfile()
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, kind: str, **extra: str) -> subprocess.Popen[bytes]:
        """Start the Procfile's `kind` line (through the shell, as honcho and Heroku do) as process `name`."""
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 - the Procfile's own command
            ["/bin/sh", "-c", f"exec {self.commands[kind]}"],
            cwd=ROOT,
            env={**self.environment, **extra},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped (or killed) with its children
        )
        log.close()
        self.running[name] = process
        return process

    def kill(self, name: str) -> None:
        """SIGKILL to the whole process (a crash or the OOM killer: no goodbye, nothing acknowledged)."""
        process = self.running[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.running.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running.values():
            stop_group(process)

    def tails(self, lines: int = 30) -> str:
        out = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(out)


class OwnRedis:
    """A redis-server on a free port, appendonly (queued tasks survive a restart, as docs/deploy.md asks)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.started = False
        self.timer: threading.Timer | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it, or start it again after `stop` (same port, same append-only file)."""
        if self.started:
            self.restarts += 1
        self.started = True
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603
            [  # noqa: S607 - the redis-server scripts/testenv.py installs and runs
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--maxmemory-policy",
                "noeviction",
                "--daemonize",
                "no",
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.directory / "redis.log").read_text(errors="replace")[-2000:])
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(64).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer")

    def restart_later(self, seconds: float) -> None:
        """Stop it now and start it again after `seconds` (a restart that takes a while), not waiting here."""
        self.stop()
        self.timer = threading.Timer(seconds, self.start)
        self.timer.start()

    def wait_restarted(self) -> None:
        if self.timer is not None:
            self.timer.join()
        assert self.process is not None and self.process.poll() is None, "redis-server runs again"

    def stop(self) -> None:
        if self.timer is not None and self.timer is not threading.current_thread():
            self.timer.cancel()  # a restart still to come does not happen after the end
            self.timer.join()
        if self.process is not None:
            stop_group(self.process, grace=30)  # SIGTERM: redis writes its append-only file and exits
            self.process = None
