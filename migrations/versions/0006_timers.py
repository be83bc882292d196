"""timers: schema changes of this work (empty until it needs one)

Revision ID: 0006_timers
Revises: 0005_sms
Create Date: 2026-11-26

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import core.db  # noqa: F401  (column types)

revision = "0006_timers"
down_revision = "0005_sms"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
