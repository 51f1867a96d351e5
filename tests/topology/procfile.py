"""deploy/Procfile and deploy/systemd/*.service read as data: the topology test starts the Procfile's commands,
and test_deploy_files checks that each unit runs its Procfile line."""

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROCFILE = DEPLOY / "Procfile"
SYSTEMD = DEPLOY / "systemd"
# Where the units expect the checkout (docs/deploy.md "Install a release").
APP = "/srv/procurement/app"

_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")  # honcho's and Heroku's rule
_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


def procfile(path: Path = PROCFILE) -> dict[str, str]:
    """The Procfile's process types and their commands, in order."""
    processes = {}
    for line in path.read_text().splitlines():
        match = _LINE.match(line)
        if match:
            processes[match.group(1)] = match.group(2).strip()
    return processes


def unit_exec_start(path: Path) -> str:
    """The ExecStart= command of a systemd unit (continuation lines joined)."""
    text = path.read_text().replace("\\\n", " ")
    (command,) = [line.split("=", 1)[1].strip() for line in text.splitlines() if line.startswith("ExecStart=")]
    return command


def unit_environment(path: Path) -> dict[str, str]:
    """The unit's own Environment= assignments (not its EnvironmentFile)."""
    values = {}
    for line in path.read_text().splitlines():
        if line.startswith("Environment="):
            for assignment in shlex.split(line.split("=", 1)[1]):
                name, _, value = assignment.partition("=")
                values[name] = value
    return values


def expand(command: str, environment: dict[str, str]) -> list[str]:
    """A command's words with $NAME and ${NAME} replaced (as the shell and systemd do) and the venv's path
    of the program dropped, so a Procfile line and a unit's ExecStart compare modulo paths."""
    words = shlex.split(_VARIABLE.sub(lambda m: environment[m.group(1) or m.group(2)], command))
    words[0] = words[0].removeprefix(f"{APP}/.venv/bin/")
    return words
