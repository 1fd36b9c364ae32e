"""official place codes: stored commune codes move to the statistics office's list

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-06 01:20:00

Data only (no schema change). The rewrite and its table live in storage/place_codes.py, run
once per database (a marker row in app_state); `dvcbot places migrate-codes --dry-run` shows
what it would change beforehand. There is no way back: the old codes were wrong.
"""

import logging
from collections.abc import Sequence

from alembic import op

from storage import place_codes
from storage.clock import SYSTEM_CLOCK

revision: str = "0012"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger("storage.place_codes")


def upgrade() -> None:
    report = place_codes.rewrite(op.get_bind(), SYSTEM_CLOCK.now())
    if report.done_before is None:
        logger.info("place codes rewritten to the official list: %d rows", report.total)
        for line in report.lines():
            logger.info("%s", line)


def downgrade() -> None:
    """Leave the official codes in place: going back would only restore wrong codes."""
