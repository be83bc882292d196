"""triage: Idempotency-Key unique per user who took the call

Revision ID: 0003_triage
Revises: 0002_calls_incidents
Create Date: 2026-11-26

"""

from alembic import op

import core.db  # noqa: F401  (column types)

revision = "0003_triage"
down_revision = "0002_calls_incidents"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_constraint("uq_calls_idempotency_key", type_="unique")
        batch_op.create_unique_constraint("uq_calls_taken_by_idempotency_key", ["taken_by", "idempotency_key"])


def downgrade():
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_constraint("uq_calls_taken_by_idempotency_key", type_="unique")
        batch_op.create_unique_constraint("uq_calls_idempotency_key", ["idempotency_key"])
