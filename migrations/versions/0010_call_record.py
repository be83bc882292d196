"""calls: answered, amended, transferred (the call record)

Revision ID: 0010_call_record
Revises: 0009_session_epoch
Create Date: 2026-12-01

"""

revision = "0010_call_record"
down_revision = "0009_session_epoch"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
