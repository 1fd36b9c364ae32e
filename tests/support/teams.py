"""A community team with an invite code, and a person who joined it through the invite link."""

from __future__ import annotations

from bot.core import Core
from storage import teams
from tests.support.talk import Talk


async def make_team(
    core: Core,
    *,
    name: str = "Tổ CNS xã Thạch Hà",
    commune: str = "18562",
    province: str = "42",
    **invite: int,
) -> tuple[int, str]:
    """The new team's id and an invite code for it (`invite`: max_uses, days, ...)."""
    async with core.sessions() as session, session.begin():
        team = await teams.create(
            session, name=name, province_code=province, commune_code=commune, actor="test"
        )
        code = (await teams.new_invite(session, team, actor="test", **invite)).code
    return team.id, code


async def join_team(core: Core, talk: Talk, **team: str) -> Talk:
    """`talk`'s person, now a member of a new team (joined with `/start join_<code>`)."""
    _team_id, code = await make_team(core, **team)
    await talk.say(f"/start join_{code}")
    return talk
