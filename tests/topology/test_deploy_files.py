"""deploy/: each systemd unit runs its Procfile line (modulo the venv's path and the environment), the worker
consumes every queue tasks are routed to, and gunicorn's settings load."""

import gc
import runpy

from django.conf import settings

from procurement.celery import QUEUES

from .procfile import DEPLOY, SYSTEMD, expand, procfile, unit_environment, unit_exec_start

# What the environment gives each kind of process: the units set PORT themselves, systemd sets STATE_DIRECTORY
# from StateDirectory=procurement; a Procfile platform gives both.
ENVIRONMENT = {"PORT": "8000", "STATE_DIRECTORY": "/var/lib/procurement"}


def test_the_procfile_names_web_worker_and_beat():
    assert list(procfile()) == ["web", "worker", "beat"]


def test_each_unit_runs_its_procfile_line():
    lines = procfile()
    for name, unit in [("web", "procurement-web"), ("worker", "procurement-worker"), ("beat", "procurement-beat")]:
        path = SYSTEMD / f"{unit}.service"
        environment = ENVIRONMENT | unit_environment(path)
        assert expand(unit_exec_start(path), environment) == expand(lines[name], ENVIRONMENT), unit


def test_the_worker_template_runs_the_procfile_line_on_its_instances_queues():
    template = unit_exec_start(SYSTEMD / "procurement-worker@.service")
    every_queue = ",".join(QUEUES)
    assert expand(template.replace("%I", every_queue), ENVIRONMENT) == expand(procfile()["worker"], ENVIRONMENT)
    assert expand(template.replace("%I", "orders"), ENVIRONMENT)[-1] == "--queues=orders"


def test_the_worker_consumes_every_queue_a_task_is_routed_to():
    (queues,) = [word for word in expand(procfile()["worker"], ENVIRONMENT) if word.startswith("--queues=")]
    consumed = set(queues.removeprefix("--queues=").split(","))
    assert consumed == set(QUEUES)
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} | {"celery"} <= consumed


def test_the_beat_unit_keeps_its_schedule_in_its_state_directory():
    unit = (SYSTEMD / "procurement-beat.service").read_text()
    assert "StateDirectory=procurement\n" in unit
    assert "--schedule=/var/lib/procurement/celerybeat-schedule" in expand(procfile()["beat"], ENVIRONMENT)


def test_gunicorn_settings_load():
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["timeout"] == 60 and config["workers"] >= 1 and config["accesslog"] == "-"


def test_a_gunicorn_worker_keeps_the_loaded_app_out_of_the_garbage_collector():
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    try:
        config["post_worker_init"](object())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
