"""`dvcbot serve --upgrade`, the container's entry point: migrate then serve in one process, wait
for a database that is not up yet, stop at once on SIGTERM, explain an unwritable data folder."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import PostgresFactory
from tests.support.http_chat import post_chat_message, wait_for_health
from tests.support.process import dvcbot_env, free_port, run_dvcbot, start_dvcbot

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def unreachable_postgres() -> str:
    return f"postgresql+asyncpg://dvcbot@127.0.0.1:{free_port()}/dvcbot"


def stop(proc: subprocess.Popen[str], timeout: float = 10) -> tuple[float, str, str]:
    """SIGTERM, then the seconds it took to exit and what it printed."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    return time.monotonic() - started, out, err


def test_upgrade_migrates_a_new_database_serves_and_the_healthcheck_follows_the_port(
    tmp_path: Path,
) -> None:
    port = free_port()  # not 8080: the health check must read the configured port
    proc = start_dvcbot(["serve", "--upgrade"], tmp_path, DVCBOT_WEB_PORT=str(port))
    try:
        health = wait_for_health(f"http://127.0.0.1:{port}")
        assert health["status"] == "ok" and health["database"] == "ok"
        assert post_chat_message(f"http://127.0.0.1:{port}", "xin chào")
        check = run_dvcbot(["healthcheck"], tmp_path, DVCBOT_WEB_PORT=str(port))
        assert check.returncode == 0, check.stderr
        seconds, _out, err = stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert seconds < 2, f"SIGTERM while serving took {seconds:.2f} s"
    assert "Traceback" not in err
    with sqlite3.connect(tmp_path / "dvcbot.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()
        assert conn.execute("SELECT count(*) FROM interactions").fetchone() == (1,)
    # Nothing listens any more: unhealthy, one line, no traceback.
    check = run_dvcbot(["healthcheck", "--timeout", "2"], tmp_path, DVCBOT_WEB_PORT=str(port))
    assert check.returncode == 1
    assert f"127.0.0.1:{port}/healthz" in check.stderr and "Traceback" not in check.stderr


def test_an_unreachable_database_is_tried_once_a_line_then_fails_in_one_clear_line(
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    result = run_dvcbot(
        ["serve", "--upgrade"],
        tmp_path,
        DVCBOT_DATABASE_URL=unreachable_postgres(),
        DVCBOT_DATABASE_WAIT_SECONDS="3",
        DVCBOT_UI_LANG="en",
    )
    took = time.monotonic() - started
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    tries, last = lines[:-1], lines[-1]
    assert len(tries) >= 2 and all(
        line.startswith("Waiting for the database (try") for line in tries
    )
    assert [f"try {n}," in line for n, line in enumerate(tries, 1)] == [True] * len(tries)
    assert last.startswith(f"The database did not answer after {len(tries) + 1} tries")
    assert 3 <= took < 30


def test_sigterm_while_waiting_for_the_database_stops_at_once(tmp_path: Path) -> None:
    proc = start_dvcbot(
        ["serve", "--upgrade"],
        tmp_path,
        DVCBOT_DATABASE_URL=unreachable_postgres(),
        DVCBOT_DATABASE_WAIT_SECONDS="120",
        DVCBOT_UI_LANG="en",
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()  # blocks until the first failed try is reported
    assert first.startswith("Waiting for the database (try 1,"), first
    seconds, _out, err = stop(proc)
    assert seconds < 2, f"SIGTERM while waiting took {seconds:.2f} s"
    assert proc.returncode != 0 and "Traceback" not in err


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """A folder another user can enter (pytest's own tmp folders are root-only)."""
    path = Path(tempfile.mkdtemp(prefix="dvcbot-ro-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_read_only_data_folder_is_explained_in_one_sentence(world_readable_dir: Path) -> None:
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to run dvcbot as an unprivileged user")
    data = world_readable_dir / "data"
    data.mkdir(mode=0o755)  # owned by root: the way a root-owned bind mount looks in a container
    command = [sys.executable, "-m", "bot", "serve", "--upgrade"]
    if os.geteuid() == 0:  # root may write anywhere: run as nobody, if it can read the venv
        probe = subprocess.run(
            [*NOBODY, sys.executable, "-c", "import aiohttp, sqlalchemy"],
            capture_output=True,
            text=True,
            cwd=world_readable_dir,
        )
        if probe.returncode != 0:
            pytest.skip(f"uid 65534 cannot run this Python: {probe.stderr[-200:]}")
        command = [*NOBODY, *command]
    elif os.access(data, os.W_OK):
        pytest.skip("this user can write a folder it does not own")
    env = dvcbot_env(
        data,
        DVCBOT_DATABASE_URL=f"sqlite+aiosqlite:///{data / 'dvcbot.db'}",
        DVCBOT_UI_LANG="en",
        DVCBOT_WEB_PORT=str(free_port()),
    )
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=world_readable_dir, env=env, timeout=60
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    uid = 65534 if os.geteuid() == 0 else os.geteuid()
    assert len(lines) == 1, result.stderr
    assert f"{data / 'dvcbot.db'} is not writable by user {uid}" in lines[0]
    assert f"chown -R {uid} {data}" in lines[0]
    assert not (data / "dvcbot.db").exists()


@pytest.mark.postgres
async def test_upgrade_migrates_an_empty_postgresql_database_and_serves(
    postgres_factory: PostgresFactory, tmp_path: Path
) -> None:
    url = await postgres_factory.new(migrated=False)
    port = free_port()
    proc = start_dvcbot(
        ["serve", "--upgrade"], tmp_path, DVCBOT_DATABASE_URL=url, DVCBOT_WEB_PORT=str(port)
    )
    try:
        health = await asyncio.to_thread(wait_for_health, f"http://127.0.0.1:{port}")
        assert health["database"] == "ok"
        seconds, _out, err = stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        await postgres_factory.drop(url)
    assert proc.returncode == 0 and seconds < 2, err


def sigterm_caught(pid: int) -> bool:
    """Whether the process has a SIGTERM handler (bit 15 of SigCgt in /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False


def test_as_pid_1_sigterm_stops_it_while_loading_too(tmp_path: Path) -> None:
    """In a container dvcbot is PID 1, for which SIGTERM without a handler does nothing."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("a PID namespace (unshare --pid, as root) is needed to be PID 1")
    command = ["unshare", "--pid", "--fork", "--kill-child", sys.executable, "-m", "bot"]
    env = dvcbot_env(tmp_path, DVCBOT_WEB_PORT=str(free_port()))
    proc = subprocess.Popen(
        [*command, "serve", "--upgrade"],
        cwd=tmp_path,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        child = None
        while child is None and time.monotonic() < deadline:  # the Python that is PID 1 there
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            child = int(children[0]) if children else None
            time.sleep(0.005)
        assert child is not None
        time.sleep(0.5)  # importing: the web app, content and search index are not loaded yet
        assert proc.poll() is None and sigterm_caught(child)
        started = time.monotonic()
        os.kill(child, signal.SIGTERM)
        proc.communicate(timeout=10)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
    assert took < 2, f"SIGTERM to PID 1 while loading took {took:.2f} s"
