"""compose.yaml holds together without Docker: the bot waits for a healthy PostgreSQL, every
service restarts and keeps its data on a named volume, secrets are files, and the https profile's
Caddy serves DVCBOT_PUBLIC_URL in front of every replica."""

from __future__ import annotations

from typing import Any

import yaml

from tests.support.process import REPO


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8")))


def test_the_bot_waits_for_a_healthy_database_and_migrates_itself() -> None:
    services = compose()["services"]
    bot, database = services["dvcbot"], services["db"]
    assert bot["command"] == ["dvcbot", "serve", "--upgrade"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(database["healthcheck"]["test"])
    url = bot["environment"]["DVCBOT_DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://") and "@db:" in url
    assert ":" not in url.split("//")[1].split("@")[0], "no password in the URL"


def test_services_restart_keep_data_on_named_volumes_and_read_secrets_from_files() -> None:
    spec = compose()
    for name, service in spec["services"].items():
        assert service["restart"] == "unless-stopped", name
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            assert source in spec["volumes"] or source.startswith("./deploy/"), mount
    password = "/run/secrets/postgres_password"
    assert spec["services"]["db"]["environment"]["POSTGRES_PASSWORD_FILE"] == password
    assert spec["services"]["dvcbot"]["environment"]["DVCBOT_DATABASE_PASSWORD_FILE"] == password
    assert spec["secrets"]["postgres_password"]["file"] == "./secrets/postgres_password"
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert "secrets" in ignored  # never sent to the build


def test_the_https_profile_puts_caddy_on_the_public_url_in_front_of_the_replicas() -> None:
    services = compose()["services"]
    caddy = services["caddy"]
    assert caddy["profiles"] == ["https"] and "profiles" not in services["dvcbot"]
    assert {"80:80", "443:443"} <= set(caddy["ports"])
    assert "DVCBOT_PUBLIC_URL" in caddy["environment"]
    assert services["dvcbot"]["environment"]["DVCBOT_PUBLIC_URL"] == "${DVCBOT_PUBLIC_URL:-}"
    caddyfile = (REPO / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "{$DVCBOT_PUBLIC_URL}" in caddyfile
    assert "dynamic a dvcbot 8080" in caddyfile  # every replica, re-resolved after --scale
    assert "container_name" not in services["dvcbot"]  # a fixed name would forbid --scale
