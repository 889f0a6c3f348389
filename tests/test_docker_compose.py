"""docker-compose.yml and the Dockerfile, checked without a Docker engine.

No engine runs where the suite runs, so these tests read the files and check what can go wrong
without one: a service missing or unwatched, start-up order, and every command the containers run
(gunicorn's module, Celery's app, manage.py subcommands, healthcheck code) existing in the project.
"""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from celery.bin.celery import celery as celery_cli
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"

EXPECTED_SERVICES = {"web", "worker", "beat", "db", "redis", "mail"}
APP_SERVICES = ("web", "worker", "beat")
# Run once and exit 0 (migrations); a healthcheck means nothing for them.
ONE_SHOT_SERVICES = {"migrate"}


def _compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _services() -> dict[str, dict]:
    return _compose()["services"]


def _interpolate(value: str) -> str:
    """Resolve compose's ${VAR:-default} / ${VAR:?error} / $$ the way an empty environment would."""
    value = re.sub(r"\$\{(\w+):?-([^}]*)\}", r"\2", value)
    value = re.sub(r"\$\{(\w+):?\?[^}]*\}", "set-by-the-operator", value)
    return value.replace("$$", "$")


def _argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _healthcheck_argvs(service: dict) -> list[list[str]]:
    """The programs a healthcheck runs: CMD's argv, or each pipeline part of a CMD-SHELL line."""
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    kind, *rest = test
    if kind == "CMD":
        return [[_interpolate(part) for part in rest]]
    assert kind == "CMD-SHELL", f"unknown healthcheck form {kind!r}"
    return _shell_commands(_interpolate(rest[0]))


_SHELL_KEYWORDS = {"if", "then", "else", "elif", "fi", "do", "done", "!"}


def _shell_commands(line: str) -> list[list[str]]:
    """Split a shell line into simple commands at ; && || |, quotes respected, without the
    leading keywords (then, do) and VAR=value assignments, so argv[0] is the program."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token and set(token) <= set(";&|()"):
            commands.append([])
        elif commands[-1] or not (token in _SHELL_KEYWORDS or re.match(r"^\w+=", token)):
            commands[-1].append(token)
    return [command for command in commands if command]


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    lines = [
        line
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if not line.lstrip().startswith("#")
    ]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, arguments = line.strip().partition(" ")
            pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def _project_argvs() -> list[list[str]]:
    """Every command line the containers run that starts something of ours."""
    argvs = []
    for service in _services().values():
        if "command" in service:
            argvs.append(_argv(service["command"]))
        if "healthcheck" in service:
            argvs.extend(_healthcheck_argvs(service))
    for instruction, arguments in _dockerfile_instructions():
        if instruction == "CMD":
            argvs.append(yaml.safe_load(arguments))
        elif instruction == "RUN":
            argvs.extend(_shell_commands(arguments))
    return argvs


def _argvs_of(program: str) -> list[list[str]]:
    return [argv for argv in _project_argvs() if argv and Path(argv[0]).name == program]


def _manage_py_subcommands() -> set[str]:
    text = COMPOSE_FILE.read_text() + (ROOT / "Dockerfile").read_text()
    return set(re.findall(r"manage\.py[\"',\s]+(\w+)", text))


def test_all_six_services_are_defined():
    assert set(_services()) >= EXPECTED_SERVICES


def test_every_long_running_service_has_a_healthcheck():
    for name, service in _services().items():
        if name in ONE_SHOT_SERVICES:
            continue
        test = service.get("healthcheck", {}).get("test")
        assert test, f"service {name} has no healthcheck"
        assert test not in (["NONE"], "NONE"), f"service {name} disables its healthcheck"


def test_one_shot_services_are_not_restarted_and_are_awaited_until_they_succeed():
    services = _services()
    for name in ONE_SHOT_SERVICES:
        assert services[name].get("restart") == "no", f"{name} would run again and again"
        waiting = [
            other
            for other, service in services.items()
            if service.get("depends_on", {}).get(name, {}).get("condition")
            == "service_completed_successfully"
        ]
        assert waiting, f"nothing waits for {name}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_start_after_db_and_redis_are_healthy(name):
    depends_on = _services()[name]["depends_on"]

    assert depends_on["db"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_start_after_migrations_have_run(name):
    services = _services()
    migrators = [
        dependency
        for dependency, how in services[name]["depends_on"].items()
        if how.get("condition") == "service_completed_successfully"
        and _argv(services[dependency]["command"])[-2:] == ["migrate", "--noinput"]
    ]
    assert migrators, f"{name} may start before the database is migrated"


def test_every_dependency_exists_and_healthy_ones_are_watched():
    services = _services()
    for name, service in services.items():
        for dependency, how in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown service {dependency}"
            if how.get("condition") == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} is never healthy"


def test_app_services_are_wired_to_the_other_services_by_environment():
    services = _services()
    for name in APP_SERVICES:
        env = {key: _interpolate(str(v)) for key, v in services[name]["environment"].items()}

        assert env["DEBUG"] == "false"
        assert env["SECRET_KEY"] and env["ALLOWED_HOSTS"]
        assert urlsplit(env["DATABASE_URL"]).hostname == "db"
        assert urlsplit(env["CELERY_BROKER_URL"]).hostname == "redis"
        assert env["EMAIL_URL"] == "smtp://mail:1025"


def test_database_url_matches_the_database_the_db_service_creates():
    services = _services()
    db_env = {key: _interpolate(str(value)) for key, value in services["db"]["environment"].items()}
    url = urlsplit(_interpolate(services["web"]["environment"]["DATABASE_URL"]))

    assert url.username == db_env["POSTGRES_USER"]
    assert url.password == db_env["POSTGRES_PASSWORD"]
    assert url.path.lstrip("/") == db_env["POSTGRES_DB"]


def test_secret_key_is_required_from_the_operator_not_written_in_the_file():
    raw = _services()["web"]["environment"]["SECRET_KEY"]

    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", raw)


def test_every_environment_variable_given_to_the_app_is_read_by_the_settings():
    settings_source = (ROOT / "config" / "settings.py").read_text()
    for name in APP_SERVICES:
        for key in _services()[name]["environment"]:
            assert f'"{key}"' in settings_source, f"{name} sets {key}, which settings never read"


def test_gunicorn_serves_the_wsgi_application_of_the_project():
    argvs = _argvs_of("gunicorn")
    assert argvs, "nothing runs gunicorn"
    for argv in argvs:
        target = next(arg for arg in argv[1:] if not arg.startswith("-"))
        module_name, _, attribute = target.partition(":")
        module = importlib.import_module(module_name)

        assert callable(getattr(module, attribute or "application"))


def test_celery_commands_name_the_project_app_and_real_subcommands():
    argvs = _argvs_of("celery")
    assert {"worker", "beat"} <= {argv[3] for argv in argvs}
    for argv in argvs:
        assert argv[1] == "-A"

        assert isinstance(find_app(argv[2]), Celery)
        assert argv[3] in celery_cli.commands


def test_every_task_in_the_beat_schedule_is_registered():
    app = find_app("config")
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_every_manage_py_subcommand_used_exists():
    used = _manage_py_subcommands()
    assert {"migrate", "collectstatic"} <= used
    assert used <= set(get_commands())


def test_python_code_in_healthchecks_compiles():
    for argv in _argvs_of("python"):
        if "-c" in argv:
            compile(argv[argv.index("-c") + 1], "<healthcheck>", "exec")


def test_web_healthcheck_asks_a_page_that_exists_on_the_port_gunicorn_binds():
    web = _services()["web"]
    code = _healthcheck_argvs(web)[0][-1]
    url = urlsplit(re.search(r"'(http://[^']+)'", code).group(1))
    bind = next(arg for arg in _argv(web["command"]) if arg.startswith("--bind"))

    assert bind.endswith(f":{url.port}")
    resolve(url.path)


def test_the_image_is_built_from_the_project_with_its_dockerfile():
    for name in APP_SERVICES:
        build = _services()[name]["build"]
        context = (COMPOSE_FILE.parent / build["context"]).resolve()

        assert context == ROOT
        assert (context / build.get("dockerfile", "Dockerfile")).is_file()
        assert (context / "manage.py").is_file() and (context / "pyproject.toml").is_file()


def test_dockerfile_installs_the_project_on_python_3_11_and_collects_static_files():
    instructions = _dockerfile_instructions()
    runs = " ".join(arguments for instruction, arguments in instructions if instruction == "RUN")

    assert ("FROM", "python:3.11-slim") in instructions
    assert re.search(r"pip install (--no-deps )?\.( |$)", runs)
    assert "manage.py collectstatic --noinput" in runs


def test_secrets_and_local_state_stay_out_of_the_build_context():
    ignored = set((ROOT / ".dockerignore").read_text().split())

    assert {".env", ".venv", "var", ".git"} <= ignored
