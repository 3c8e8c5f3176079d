"""infrastructure/: compose files valid against the Compose Specification's JSON schema, the
nginx configuration accepted by `nginx -t`, the Dockerfile and systemd units doing what the
README says. (No Docker engine on these machines: the files are checked, not run.)"""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.conf import settings

from apps.core.queues import Queue

INFRA = Path(settings.BASE_DIR) / "infrastructure"
SCHEMA = json.loads((INFRA / "schema" / "compose-spec.json").read_text())


def compose(name: str) -> dict:
    return yaml.safe_load((INFRA / name).read_text())


@pytest.mark.parametrize("name", ["docker-compose.yml", "docker-compose.prod.yml"])
def test_compose_files_follow_the_compose_specification(name):
    document = compose(name)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_schema_rejects_a_broken_compose_file():
    broken = {"services": {"web": {"image": "x", "ports": "80:80", "restart_policy": "always"}}}
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(broken))


def test_development_compose_runs_postgres_and_a_password_protected_redis():
    services = compose("docker-compose.yml")["services"]
    assert set(services) == {"postgres", "redis"}
    assert "--requirepass" in services["redis"]["command"]
    assert all(port.startswith("127.0.0.1:") for s in services.values() for port in s["ports"])


def test_production_compose_has_every_process_with_redis_aof_and_password():
    services = compose("docker-compose.prod.yml")["services"]
    assert {"postgres", "redis", "web", "beat", "nginx"} <= set(services)
    redis_command = " ".join(services["redis"]["command"])
    assert "--appendonly yes" in redis_command and "--requirepass ${REDIS_PASSWORD:?" in redis_command
    queues = {
        s["command"][s["command"].index("--queue") + 1]
        for s in services.values()
        if "--queue" in (s.get("command") or [])
    }
    assert queues == {q.value for q in Queue}  # one worker service per queue
    assert services["beat"]["command"][-1] == "--beat"
    assert "redis://:${REDIS_PASSWORD" in services["web"]["environment"]["REDIS_URL"]
    assert not any("media" in v for v in services["nginx"].get("volumes", []))  # no public media
    assert "ports" not in services["web"] and "ports" not in services["redis"]  # only nginx is exposed


def _render_nginx(tmp_path: Path) -> Path:
    template = (INFRA / "nginx" / "intelli.conf.template").read_text()
    site = tmp_path / "intelli.conf"
    site.write_text(template.replace("${INTELLI_UPSTREAM}", "127.0.0.1:8000"))
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {site};\n}}\n"
    )
    return main


def test_nginx_accepts_the_configuration(tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light; .ci/run installs it)")
    main = _render_nginx(tmp_path)
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_proxies_websockets_and_never_serves_media():
    conf = (INFRA / "nginx" / "intelli.conf.template").read_text()
    ws = conf[conf.index("location /ws/") :]
    assert "proxy_set_header Upgrade $http_upgrade;" in ws
    assert "proxy_set_header Connection $connection_upgrade;" in ws
    media = conf[conf.index("location /media/") :]
    assert media.split("}", 1)[0].split("{", 1)[1].strip() == "return 404;"
    directives = [line.split("#", 1)[0].strip() for line in conf.splitlines()]
    assert not any(d.startswith(("alias ", "root ")) for d in directives)


def test_the_dockerfile_builds_the_frontend_then_runs_python_as_a_non_root_user():
    dockerfile = (INFRA / "Dockerfile").read_text()
    stages = [line for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert stages[0].startswith("FROM node:") and stages[0].endswith("AS frontend")
    assert stages[-1].startswith("FROM python:")
    runtime = dockerfile[dockerfile.rindex("FROM ") :]
    assert "COPY --from=frontend" in runtime and "npm run build" in dockerfile
    users = [line.split()[1] for line in runtime.splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(INFRA / "systemd" / name)
    return parser


def test_systemd_units_for_daphne_each_worker_and_beat():
    web = _unit("intelli-web.service")
    assert "daphne" in web["Service"]["ExecStart"] and web["Service"]["User"] == "intelli"
    worker = _unit("intelli-worker@.service")
    assert worker["Service"]["ExecStart"].endswith("scripts/start_celery_worker.sh --queue %i")
    assert worker["Service"]["KillSignal"] == "SIGTERM"
    assert int(worker["Service"]["TimeoutStopSec"]) > 135  # beyond the longest hard time limit
    beat = _unit("intelli-beat.service")
    assert beat["Service"]["ExecStart"].endswith("--beat")
    for unit in (web, worker, beat):
        assert unit["Install"]["WantedBy"] == "multi-user.target"
