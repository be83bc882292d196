"""dispatch: schema changes of this work (empty until it needs one)

Revision ID: 0004_dispatch
Revises: 0003_triage
Create Date: 2026-11-26

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import core.db  # noqa: F401  (column types)

revision = "0004_dispatch"
down_revision = "0003_triage"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
