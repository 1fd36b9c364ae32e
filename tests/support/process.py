"""Run dvcbot as a real subprocess, the way scripts and operators do."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def dvcbot_env(workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DVCBOT_")}
    env["PYTHONPATH"] = str(REPO)
    env["DVCBOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{workdir / 'dvcbot.db'}"
    env.update(extra)
    return env


def run_dvcbot(
    args: list[str], workdir: Path, stdin: str = "", **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=workdir,
        env=dvcbot_env(workdir, **extra),
        timeout=120,
    )


def start_dvcbot(args: list[str], workdir: Path, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=workdir,
        env=dvcbot_env(workdir, **extra),
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
