"""triage: schema changes of this work (empty until it needs one)

Revision ID: 0003_triage
Revises: 0002_calls_incidents
Create Date: 2026-11-26

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import core.db  # noqa: F401  (column types)

revision = "0003_triage"
down_revision = "0002_calls_incidents"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
