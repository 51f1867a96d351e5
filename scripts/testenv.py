#!/usr/bin/env python3
"""Throwaway PostgreSQL + Redis for the test suite, or persistent ones for a local run.

    python scripts/testenv.py -- <command...>   run a command against fresh services
    python scripts/testenv.py --serve           keep services in .services/ until Ctrl-C

The command gets DATABASE_URL, REDIS_URL and CHROMIUM_PATH in its environment; the script
exits with the command's exit status. Missing Debian packages (postgresql, redis-server,
chromium, gettext for the translation test's xgettext) are installed first. Standard library only:
it runs before the venv exists.
"""

# The script runs fixed system tools (apt-get, runuser, PostgreSQL, redis-server) and the command
# its caller gave it: that is its job, so the subprocess checks do not apply.
# ruff: noqa: S603, S607

from __future__ import annotations

import argparse
import contextlib
import fcntl
import glob
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVE_DIR = REPO_ROOT / ".services"
DATABASE = "procurement"
# Unix socket paths are capped at 107 bytes; leave room for "/.s.PGSQL.NNNNN".
MAX_SOCKET_DIR = 90
START_ATTEMPTS = 5


class TestEnvError(Exception):
    pass


class StopSignalError(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def log(message: str) -> None:
    print(f"testenv: {message}", file=sys.stderr, flush=True)


# --- Debian packages ---------------------------------------------------------------------


def postgres_bindir() -> Path | None:
    candidates = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/postgres")]
    if not candidates:
        return None

    def major(bindir: Path) -> tuple[int, ...]:
        try:
            return tuple(int(part) for part in bindir.parent.name.split("."))
        except ValueError:
            return (0,)

    return max(candidates, key=major)


def ensure_packages() -> None:
    missing = []
    if postgres_bindir() is None:
        missing.append("postgresql")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    if shutil.which("chromium") is None:
        missing.append("chromium")
    if shutil.which("xgettext") is None:
        missing.append("gettext")  # only the translation test (makemessages) needs it; babel compiles
    if shutil.which("xmlsec1") is None:
        missing.append("xmlsec1")  # pysaml2 signs and verifies SAML messages with it (tests/identity SAML IdP)
    if not missing:
        return
    prefix: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise TestEnvError(f"missing {', '.join(missing)}: install them as root (apt-get install)")
        prefix = ["sudo", "-n"]
    log(f"installing {' '.join(missing)} from Debian packages")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    stdout = subprocess.DEVNULL if os.environ.get("CI") else None  # keep CI logs to the point
    subprocess.run([*prefix, "apt-get", "update"], env=env, check=True, stdin=subprocess.DEVNULL, stdout=stdout)
    subprocess.run(
        [*prefix, "apt-get", "install", "-y", *missing],
        env=env,
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
    )
    if postgres_bindir() is None or not all(
        shutil.which(tool) for tool in ("redis-server", "chromium", "xgettext", "xmlsec1")
    ):
        raise TestEnvError(
            "packages installed but postgres, redis-server, chromium, xgettext or xmlsec1 still not found"
        )


# --- helpers -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pick_port(attempt: int, preferred: int | None) -> int:
    """The preferred port (the one --serve used last time) when free, else any free one."""
    return preferred if attempt == 0 and preferred and port_is_free(preferred) else free_port()


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers do: connections in TIME_WAIT from the last run don't block the port.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def as_root() -> bool:
    return os.geteuid() == 0


def postgres_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise TestEnvError("running as root needs the 'postgres' system user (Debian's postgresql package)") from None


def pg_command(*argv: str | Path) -> list[str]:
    """PostgreSQL refuses to run as root: then drop to the postgres system user."""
    args = [str(a) for a in argv]
    return [runuser(), "-u", "postgres", "--", *args] if as_root() else args


def runuser() -> str:
    return shutil.which("runuser") or "/usr/sbin/runuser"  # in sbin, which PATH may lack


def chown_tree_to_postgres(path: Path) -> None:
    if not as_root():
        return
    user = postgres_user()
    for root, dirs, files in os.walk(path):
        for name in [root, *(os.path.join(root, d) for d in dirs), *(os.path.join(root, f) for f in files)]:
            os.lchown(name, user.pw_uid, user.pw_gid)


def check_postgres_can_reach(path: Path) -> None:
    if not as_root():
        return
    probe = subprocess.run(
        [runuser(), "-u", "postgres", "--", "test", "-w", str(path)], stdin=subprocess.DEVNULL, cwd="/"
    )
    if probe.returncode != 0:
        raise TestEnvError(
            f"the postgres user cannot reach {path}; make its parent directories world-searchable (chmod o+x)"
        )


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- PostgreSQL --------------------------------------------------------------------------


class Postgres:
    def __init__(self, root: Path, socket_dir: Path, *, persistent: bool) -> None:
        self.root = root
        self.data = root / "data"
        self.logfile = root / "postgres.log"
        self.socket_dir = socket_dir
        self.persistent = persistent
        self.port = 0

    @property
    def bindir(self) -> Path:
        # Looked up when used: the package may only just have been installed.
        bindir = postgres_bindir()
        if bindir is None:
            raise TestEnvError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        return bindir

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        chown_tree_to_postgres(self.root)
        chown_tree_to_postgres(self.socket_dir)
        check_postgres_can_reach(self.root)
        if (self.data / "PG_VERSION").exists():
            return
        subprocess.run(
            pg_command(
                self.bindir / "initdb",
                "--pgdata",
                self.data,
                "--username",
                "postgres",
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",
            ),
            check=True,
            stdin=subprocess.DEVNULL,
            cwd="/",  # the postgres user may not be allowed into ours
            stdout=subprocess.DEVNULL,
        )
        settings = {"listen_addresses": "'127.0.0.1'", "max_connections": "200"}
        if not self.persistent:  # throwaway data: durability only costs time
            settings |= {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"}
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# scripts/testenv.py\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self, preferred_port: int | None = None) -> None:
        for attempt in range(START_ATTEMPTS):
            port = pick_port(attempt, preferred_port)
            # Port and socket directory on the command line, so a persistent cluster can move.
            # pg_ctl hands them to a shell.
            options = f"-p {port} -k {shlex.quote(str(self.socket_dir))}"
            result = subprocess.run(
                pg_command(
                    self.bindir / "pg_ctl",
                    "--pgdata",
                    self.data,
                    "--log",
                    self.logfile,
                    "--options",
                    options,
                    "--wait",
                    "--timeout",
                    "60",
                    "start",
                ),
                stdin=subprocess.DEVNULL,
                cwd="/",  # the postgres user may not be allowed into ours
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            if result.returncode == 0:
                self.port = port
                log(f"postgresql started on 127.0.0.1:{port} ({self.root})")
                return
            self.stop(quiet=True)  # a postmaster that half-started still holds the data dir
            if "already in use" not in tail(self.logfile, 10) + result.stderr:
                break
        raise TestEnvError(f"postgresql did not start:\n{result.stderr}\n{tail(self.logfile)}")

    def ensure_database(self) -> None:
        psql = [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-X", "-q"]
        exists = subprocess.run([*psql, "-c", "select 1", DATABASE], stdin=subprocess.DEVNULL, capture_output=True)
        if exists.returncode != 0:
            subprocess.run(
                [*psql, "-c", f'create database "{DATABASE}" owner postgres', "postgres"],
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )

    def running(self) -> bool:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
            os.kill(pid, 0)
        except (OSError, ValueError):
            return False
        return True

    def stop(self, *, quiet: bool = False) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        # Throwaway data needs no clean shutdown; persistent data does.
        mode = "fast" if self.persistent else "immediate"
        subprocess.run(
            pg_command(self.bindir / "pg_ctl", "--pgdata", self.data, "--mode", mode, "--wait", "stop"),
            stdin=subprocess.DEVNULL,
            cwd="/",  # the postgres user may not be allowed into ours
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not quiet:
            log(f"postgresql stopped (port {self.port})" if self.port else "postgresql stopped")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"


# --- Redis -------------------------------------------------------------------------------


class Redis:
    def __init__(self, root: Path, *, persistent: bool) -> None:
        self.root = root
        self.persistent = persistent
        self.logfile = root / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self, preferred_port: int | None = None) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        # Persistent data for --serve: snapshot every 5 minutes with a change, and on shutdown.
        persistence = ["--save", "300 1", "--dbfilename", "dump.rdb"] if self.persistent else ["--save", ""]
        for attempt in range(START_ATTEMPTS):
            port = pick_port(attempt, preferred_port)
            self.process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    str(self.root),
                    "--appendonly",
                    "no",
                    *persistence,
                    "--daemonize",
                    "no",
                    "--logfile",
                    str(self.logfile),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C goes to the command, which may still need us
            )
            if self._wait_ready(port):
                self.port = port
                log(f"redis started on 127.0.0.1:{port}")
                return
            self.stop(quiet=True)
            if "Address already in use" not in tail(self.logfile, 10):
                break
        raise TestEnvError(f"redis-server did not start:\n{tail(self.logfile)}")

    def _wait_ready(self, port: int) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                # Ask for the server's pid: under a port race, the redis answering may be another run's.
                conn.sendall(b"INFO server\r\n")
                reply = b""
                while b"process_id:" not in reply or not reply.endswith(b"\r\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
                if f"process_id:{self.process.pid}\r\n".encode() in reply:
                    return True
            time.sleep(0.05)
        return False

    def stop(self, *, quiet: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        self.process.terminate()  # SIGTERM: redis saves (when configured) and exits
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        if not quiet:
            log(f"redis stopped (port {self.port})" if self.port else "redis stopped")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


# --- signals -----------------------------------------------------------------------------


class Signals:
    """SIGINT/SIGTERM/SIGHUP never interrupt a step half-way (a killed runuser would leave
    initdb or pg_ctl running while we delete their directory): they are noted and acted on
    between steps. While the command runs, Ctrl-C is left to it (the terminal sends SIGINT to
    the whole process group) and the others are passed on. Cleanup always runs to the end."""

    HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.child: subprocess.Popen[bytes] | None = None
        self.received: int | None = None
        for signum in self.HANDLED:
            if signal.getsignal(signum) is not signal.SIG_IGN:  # nohup, background jobs
                signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received = signum
        if self.child is not None and signum != signal.SIGINT:
            with contextlib.suppress(ProcessLookupError):
                self.child.send_signal(signum)

    def check(self) -> None:
        if self.received is not None:
            raise StopSignalError(self.received)

    def ignore(self) -> None:
        for signum in self.HANDLED:
            signal.signal(signum, signal.SIG_IGN)


def exit_status(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def failed(signals: Signals, error: Exception) -> int:
    if signals.received is not None:  # a step failed because Ctrl-C reached it too
        log(f"interrupted ({signal.Signals(signals.received).name})")
        return 128 + signals.received
    log(f"error: {error}")
    return 1


# --- modes -------------------------------------------------------------------------------


def chromium_path() -> str:
    return shutil.which("chromium") or ""


def start_services(signals: Signals, postgres: Postgres, redis: Redis, ports: dict[str, int]) -> None:
    for step in (
        ensure_packages,
        postgres.init,
        lambda: postgres.start(ports.get("postgres")),
        postgres.ensure_database,
        lambda: redis.start(ports.get("redis")),
    ):
        signals.check()
        step()
    signals.check()


def run_command(command: list[str]) -> int:
    signals = Signals()
    workdir = Path(tempfile.mkdtemp(prefix="procurement-testenv-"))
    os.chmod(workdir, 0o755)  # noqa: S103 - the postgres user must reach pg/ inside
    postgres = Postgres(workdir / "pg", workdir / "pg" / "run", persistent=False)
    redis = Redis(workdir / "redis", persistent=False)
    try:
        start_services(signals, postgres, redis, {})
        env = {
            **os.environ,
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url,
            "CHROMIUM_PATH": chromium_path(),
        }
        try:
            signals.child = subprocess.Popen(command, env=env)
        except OSError as error:
            log(f"cannot run {command[0]}: {error.strerror}")
            return 127 if isinstance(error, FileNotFoundError) else 126
        return exit_status(signals.child.wait())
    except StopSignalError as interrupted:
        log(f"interrupted ({interrupted})")
        return 128 + interrupted.signum
    except (TestEnvError, OSError, subprocess.CalledProcessError) as error:
        return failed(signals, error)
    finally:
        signals.ignore()
        child = signals.child
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        redis.stop()
        postgres.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def serve() -> int:
    signals = Signals()
    SERVE_DIR.mkdir(exist_ok=True)
    os.chmod(SERVE_DIR, 0o755)  # noqa: S103 - the postgres user must reach pg/ inside
    # Keeps the data dir out of git without touching the repo's .gitignore.
    (SERVE_DIR / ".gitignore").write_text("*\n")
    lock = (SERVE_DIR / "lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log(f"another 'testenv.py --serve' is already using {SERVE_DIR}")
        return 1
    ports_file = SERVE_DIR / "ports.json"
    try:
        ports = {k: int(v) for k, v in json.loads(ports_file.read_text()).items()}
    except (OSError, ValueError, AttributeError):
        ports = {}
    pg_root = SERVE_DIR / "pg"
    socket_dir = pg_root / "run"
    short_socket_dir: Path | None = None
    if len(str(socket_dir)) > MAX_SOCKET_DIR:
        short_socket_dir = socket_dir = Path(tempfile.mkdtemp(prefix="procurement-pg-"))
        os.chmod(socket_dir, 0o755)  # noqa: S103 - clients connect here
    postgres = Postgres(pg_root, socket_dir, persistent=True)
    redis = Redis(SERVE_DIR / "redis", persistent=True)
    try:
        start_services(signals, postgres, redis, ports)
        # Same ports next time when they are free, so exported URLs keep working.
        ports_file.write_text(json.dumps({"postgres": postgres.port, "redis": redis.port}) + "\n")
        print(f"export DATABASE_URL={postgres.url}")
        print(f"export REDIS_URL={redis.url}")
        print(f"export CHROMIUM_PATH={chromium_path()}", flush=True)
        log("serving, data kept in .services/; Ctrl-C stops")
        assert redis.process is not None
        while True:
            signals.check()
            if redis.process.poll() is not None:
                raise TestEnvError(f"redis-server exited:\n{tail(redis.logfile)}")
            if not postgres.running():
                raise TestEnvError(f"postgresql exited:\n{tail(postgres.logfile)}")
            time.sleep(0.5)
    except StopSignalError:
        return 0
    except (TestEnvError, OSError, subprocess.CalledProcessError) as error:
        return failed(signals, error)
    finally:
        signals.ignore()
        redis.stop()
        postgres.stop()
        if short_socket_dir is not None:
            shutil.rmtree(short_socket_dir, ignore_errors=True)
        lock.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, usage=None
    )
    parser.add_argument("--serve", action="store_true", help="keep services running in .services/ until Ctrl-C")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="command to run after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if args.serve:
        if command:
            parser.error("--serve takes no command")
        return serve()
    if not command:
        parser.error("give a command after --, or --serve")
    return run_command(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
