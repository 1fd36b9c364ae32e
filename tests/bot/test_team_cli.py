"""Admins manage teams, roles and broadcasts from the command line (real subprocesses)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from storage import db
from storage.models import AuditEntry
from tests.support.broadcasting import add_people
from tests.support.process import run_dvcbot


def ok(result) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


async def test_create_a_team_grant_list_and_revoke_roles_all_audited(tmp_path: Path) -> None:
    out = ok(
        run_dvcbot(
            [
                "teams",
                "create",
                "--province",
                "42",
                "--commune",
                "18562",
                "--name",
                "Tổ CNS Thạch Hà",
            ],
            tmp_path,
            DVCBOT_TELEGRAM_USERNAME="dvc_test_bot",
            DVCBOT_UI_LANG="en",
        )
    )
    assert re.search(r"https://t\.me/dvc_test_bot\?start=join_[\w-]{16}", out)
    refused = run_dvcbot(
        [
            "roles",
            "grant",
            "--channel",
            "console",
            "--user",
            "an",
            "--role",
            "officer",
            "--province",
            "42",
        ],
        tmp_path,
        DVCBOT_UI_LANG="en",
    )
    assert refused.returncode == 1 and "has written to the bot" in refused.stdout
    ok(run_dvcbot(["chat", "--user", "an"], tmp_path, stdin="/start\n"))
    ok(
        run_dvcbot(
            [
                "roles",
                "grant",
                "--channel",
                "console",
                "--user",
                "an",
                "--role",
                "member",
                "--commune",
                "18562",
            ],
            tmp_path,
        )
    )
    ok(
        run_dvcbot(
            [
                "roles",
                "grant",
                "--channel",
                "console",
                "--user",
                "an",
                "--role",
                "officer",
                "--province",
                "42",
            ],
            tmp_path,
        )
    )
    listing = ok(run_dvcbot(["roles", "list"], tmp_path))
    assert "console\tmember\t42\t18562\tteam:1" in listing
    assert "console\tofficer\t42\t-" in listing
    assert " an" not in listing, "no platform ids in listings"
    chat = ok(run_dvcbot(["chat", "--user", "an"], tmp_path, stdin="/cuatoi\n"))
    assert "Kết quả tháng" in chat
    ok(
        run_dvcbot(
            ["roles", "revoke", "--channel", "console", "--user", "an", "--role", "member"],
            tmp_path,
        )
    )
    chat = ok(run_dvcbot(["chat", "--user", "an"], tmp_path, stdin="/cuatoi\n"))
    assert "chỉ dành cho thành viên" in chat
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'dvcbot.db'}")
    async with engine.connect() as conn:
        actions = list((await conn.execute(select(AuditEntry.action))).scalars())
    await engine.dispose()
    assert actions.count("role.grant") == 2 and actions.count("role.revoke") == 1
    assert "team.create" in actions and "team.join" in actions


async def test_broadcast_create_previews_and_needs_yes_then_list_show_cancel(
    tmp_path: Path,
) -> None:
    ok(run_dvcbot(["db", "upgrade"], tmp_path))
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'dvcbot.db'}")
    await add_people(db.session_factory(engine), 4, commune="18562", first_chat=100)
    await engine.dispose()
    args = ["broadcast", "create", "--guide", "vneid-muc-2", "--commune", "18562", "--any-hour"]
    preview = run_dvcbot(args, tmp_path, DVCBOT_UI_LANG="en")
    assert preview.returncode == 1
    assert "📌 Tài khoản định danh điện tử VNeID mức 2" in preview.stdout
    assert "[1] 📖 Xem hướng dẫn" in preview.stdout
    assert "Recipients: 4" in preview.stdout and "add --yes" in preview.stdout
    assert "Broadcast 1 scheduled for 4 people." in ok(
        run_dvcbot([*args, "--yes"], tmp_path, DVCBOT_UI_LANG="en")
    )
    assert "scheduled\tguide:vneid-muc-2\tcommune\t0/4" in ok(
        run_dvcbot(["broadcast", "list"], tmp_path)
    )
    assert "Broadcast 1 cancelled." in ok(
        run_dvcbot(["broadcast", "cancel", "1"], tmp_path, DVCBOT_UI_LANG="en")
    )
    shown = ok(run_dvcbot(["broadcast", "show", "1"], tmp_path, DVCBOT_UI_LANG="en"))
    assert "cancelled: 4" in shown and "Broadcast 1: cancelled" in shown
    unknown = run_dvcbot(["broadcast", "create", "--guide", "nope", "--commune", "1"], tmp_path)
    assert unknown.returncode == 2
