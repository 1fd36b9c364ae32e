"""`dvcbot db backup` while the bot runs, then `db restore` after a loss, on SQLite; a file that
is not a dvcbot database is refused and PostgreSQL users are pointed to pg_dump."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

from tests.support.http_chat import post_chat_message, wait_for_health
from tests.support.process import free_port, run_dvcbot, start_dvcbot


def interactions(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM interactions").fetchone()[0])


def test_a_backup_taken_while_serving_restores_the_conversations(tmp_path: Path) -> None:
    port = free_port()
    backup = tmp_path / "backup-2026-12-06.db"
    proc = start_dvcbot(["serve", "--upgrade"], tmp_path, DVCBOT_WEB_PORT=str(port))
    try:
        wait_for_health(f"http://127.0.0.1:{port}")
        post_chat_message(f"http://127.0.0.1:{port}", "căn cước")
        taken = run_dvcbot(["db", "backup", str(backup)], tmp_path, DVCBOT_UI_LANG="en")
        assert taken.returncode == 0, taken.stderr
        again = run_dvcbot(["db", "backup", str(backup)], tmp_path, DVCBOT_UI_LANG="en")
        assert again.returncode == 2 and "choose a new file name" in again.stderr
        post_chat_message(f"http://127.0.0.1:{port}", "after the backup")
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    database = tmp_path / "dvcbot.db"
    assert interactions(database) == 2 and interactions(backup) == 1
    for path in tmp_path.glob("dvcbot.db*"):
        path.unlink()  # the disk is lost
    restored = run_dvcbot(["db", "restore", str(backup)], tmp_path, DVCBOT_UI_LANG="en")
    assert restored.returncode == 0, restored.stderr
    assert interactions(database) == 1
    # The restored database serves again (newer migrations would be applied here).
    started = run_dvcbot(["db", "upgrade"], tmp_path)
    assert started.returncode == 0 and interactions(database) == 1


def test_restore_refuses_what_is_not_a_dvcbot_backup(tmp_path: Path) -> None:
    assert run_dvcbot(["db", "upgrade"], tmp_path).returncode == 0
    database = tmp_path / "dvcbot.db"
    before = database.read_bytes()
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100, encoding="utf-8")
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    for wrong, reason in (
        (text, "is not an SQLite database"),
        (other, "is not a dvcbot backup"),
        (tmp_path / "missing.db", "No database at"),
    ):
        result = run_dvcbot(["db", "restore", str(wrong)], tmp_path, DVCBOT_UI_LANG="en")
        assert result.returncode == 2, result.stdout
        assert reason in result.stderr and "Traceback" not in result.stderr
    assert database.read_bytes() == before


def test_postgresql_users_are_told_to_use_pg_dump(tmp_path: Path) -> None:
    result = run_dvcbot(
        ["db", "backup", str(tmp_path / "b.db")],
        tmp_path,
        DVCBOT_DATABASE_URL="postgresql+asyncpg://dvcbot@127.0.0.1:5432/dvcbot",
    )
    assert result.returncode == 2
    assert "pg_dump --format=custom" in result.stderr and "pg_restore" in result.stderr
    assert not (tmp_path / "b.db").exists()
