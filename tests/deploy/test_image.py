"""The Docker image as a province runs it: build, serve on a named volume, stop in under 2 s in
every phase, keep data across restarts, stay healthy on another port, take a mounted .env.
Skipped where no Docker engine answers. Without a bridge network (dockerd --bridge=none) the
containers use the host's network and a free port instead of -p."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.http_chat import post_chat_message, wait_for_health
from tests.support.process import REPO, free_port


def docker(
    *args: str, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=check, timeout=timeout
    )


def engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return docker("info", check=False, timeout=20).returncode == 0
    except subprocess.TimeoutExpired:
        return False


pytestmark = pytest.mark.skipif(not engine_answers(), reason="no Docker engine answers")
HOST_NETWORK = (
    engine_answers() and docker("network", "inspect", "bridge", check=False).returncode != 0
)
TAG = "dvcbot:smoke-test"


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    env = None
    if docker("buildx", "version", check=False).returncode != 0:
        env = {**os.environ, "DOCKER_BUILDKIT": "0"}  # the legacy builder
    network = ["--network", "host"] if HOST_NETWORK else []
    subprocess.run(
        ["docker", "build", *network, "-t", TAG, str(REPO)], check=True, env=env, timeout=1800
    )
    yield TAG
    if not os.environ.get("DVCBOT_SMOKE_KEEP_IMAGE"):  # set it to measure the image afterwards
        docker("image", "rm", "-f", TAG, check=False)


@dataclass
class Containers:
    """Containers and volumes made by one test, removed after it."""

    image: str
    names: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)

    def volume(self) -> str:
        name = f"dvcbot-smoke-{uuid.uuid4().hex[:8]}"
        docker("volume", "create", name)
        self.volumes.append(name)
        return name

    def run(
        self, *options: str, port: int = 8080, env: dict[str, str] | None = None
    ) -> tuple[str, str]:
        """Start a container; its name and the base URL it answers on from here."""
        name = f"dvcbot-smoke-{uuid.uuid4().hex[:8]}"
        settings = dict(env or {})
        if HOST_NETWORK:
            host_port = port if port != 8080 else free_port()
            settings.setdefault("DVCBOT_WEB_PORT", str(host_port))
            publish = ["--network", "host"]
        else:
            host_port = free_port()
            publish = ["-p", f"127.0.0.1:{host_port}:{port}"]
        variables = [arg for key, value in settings.items() for arg in ("-e", f"{key}={value}")]
        docker("run", "-d", "--name", name, *publish, *variables, *options, self.image)
        self.names.append(name)
        return name, f"http://127.0.0.1:{host_port}"

    def remove(self) -> None:
        for name in self.names:
            docker("rm", "-f", "-v", name, check=False)
        for volume in self.volumes:
            docker("volume", "rm", "-f", volume, check=False)


@pytest.fixture
def containers(image: str) -> Iterator[Containers]:
    made = Containers(image)
    yield made
    made.remove()


def timed_stop(name: str) -> tuple[float, int]:
    started = time.monotonic()
    docker("stop", name, timeout=60)
    took = time.monotonic() - started
    code = docker("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
    print(f"docker stop {name}: {took:.2f} s, exit status {code}")
    return took, int(code)


def logs(name: str) -> str:
    result = docker("logs", name, check=False)
    return result.stdout + result.stderr


def wait_for_log(name: str, text: str, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = logs(name)
        if text in output:
            return output
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared in the logs of {name}:\n{logs(name)}")


def interactions(name: str) -> int:
    count = (
        "import sqlite3; db = sqlite3.connect('/data/dvcbot.db'); "
        "print(db.execute('SELECT count(*) FROM interactions').fetchone()[0])"
    )
    return int(docker("exec", name, "python", "-c", count).stdout)


def test_serves_on_a_named_volume_stops_fast_and_keeps_a_message_across_restarts(
    containers: Containers,
) -> None:
    volume = containers.volume()
    name, url = containers.run("-v", f"{volume}:/data")
    health = wait_for_health(url, timeout=120)
    assert health["status"] == "ok" and health["database"] == "ok"
    assert post_chat_message(url, "xin chào")
    assert docker("exec", name, "id", "-u").stdout.strip() == "10001"
    took, code = timed_stop(name)
    assert took < 2, f"docker stop while serving took {took:.2f} s"
    assert code == 0
    docker("start", name)
    wait_for_health(url, timeout=120)
    assert interactions(name) == 1
    docker("rm", "-f", name)
    again, url = containers.run("-v", f"{volume}:/data")
    wait_for_health(url, timeout=120)
    assert interactions(again) == 1


def test_docker_stop_while_waiting_for_the_database_takes_under_2_seconds(
    containers: Containers,
) -> None:
    name, _url = containers.run(
        env={
            "DVCBOT_DATABASE_URL": f"postgresql+asyncpg://dvcbot@127.0.0.1:{free_port()}/dvcbot",
            "DVCBOT_DATABASE_WAIT_SECONDS": "300",
            "DVCBOT_UI_LANG": "en",
        }
    )
    wait_for_log(name, "Waiting for the database (try 1,")
    took, _code = timed_stop(name)
    assert took < 2, f"docker stop while waiting for the database took {took:.2f} s"
    assert "Traceback" not in logs(name)


def test_docker_stop_right_after_start_takes_under_2_seconds(containers: Containers) -> None:
    """Whatever phase it lands in (start, migrations, serving), SIGTERM is not ignored."""
    name, _url = containers.run("-v", f"{containers.volume()}:/data")
    deadline = time.monotonic() + 60
    while docker("inspect", "--format", "{{.State.Running}}", name).stdout.strip() != "true":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    took, _code = timed_stop(name)
    assert took < 2, f"docker stop at start-up took {took:.2f} s"


def test_the_healthcheck_follows_another_port(containers: Containers) -> None:
    port = 9090 if not HOST_NETWORK else free_port()
    name, url = containers.run(
        "--health-interval=2s",
        "--health-start-period=60s",
        port=port,
        env={"DVCBOT_WEB_PORT": str(port)},
    )
    wait_for_health(url, timeout=120)
    deadline = time.monotonic() + 60
    status = ""
    while time.monotonic() < deadline:
        status = docker("inspect", "--format", "{{.State.Health.Status}}", name).stdout.strip()
        if status == "healthy":
            break
        time.sleep(1)
    assert status == "healthy", logs(name)


def test_a_mounted_dotenv_overrides_the_image_defaults(
    containers: Containers, tmp_path: Path
) -> None:
    port = 9091 if not HOST_NETWORK else free_port()
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f"DVCBOT_WEB_PORT={port}\nDVCBOT_PUBLIC_URL=https://dvc.example.gov.vn\nDVCBOT_UI_LANG=en\n",
        encoding="utf-8",
    )
    dotenv.chmod(0o644)
    name = f"dvcbot-smoke-{uuid.uuid4().hex[:8]}"
    network = ["--network", "host"] if HOST_NETWORK else ["-p", f"127.0.0.1:{port}:{port}"]
    docker("run", "-d", "--name", name, *network, "-v", f"{dotenv}:/app/.env:ro", containers.image)
    containers.names.append(name)
    wait_for_health(f"http://127.0.0.1:{port}", timeout=120)
    output = wait_for_log(name, "Health check:")
    assert "dvcbot is running at https://dvc.example.gov.vn" in output
