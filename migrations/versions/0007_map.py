"""map: schema changes of this work (empty until it needs one)

Revision ID: 0007_map
Revises: 0006_timers
Create Date: 2026-11-26

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import core.db  # noqa: F401  (column types)

revision = "0007_map"
down_revision = "0006_timers"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
