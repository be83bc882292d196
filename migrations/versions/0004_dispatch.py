"""dispatch: units are looked up by status (the recommendation prefilter)

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
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_units_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_units_status"))
