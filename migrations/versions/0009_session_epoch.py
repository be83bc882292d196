"""session epoch: signing out ends every copy of a cookie session

Revision ID: 0009_session_epoch
Revises: 0008_number_sequences
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

revision = "0009_session_epoch"
down_revision = "0008_number_sequences"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
