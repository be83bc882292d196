"""calls: answered, amended, transferred (the call record)

Revision ID: 0010_call_record
Revises: 0009_session_epoch
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0010_call_record"
down_revision = "0009_session_epoch"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("saved_at", core.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("needs_youth", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("needs_language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("transfer_to", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("transfer_at", core.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("transfer_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("transfer_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("transfer_recorded_at", core.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_calls_transfer_by_users"), "users", ["transfer_by"], ["id"])
        batch_op.create_index(batch_op.f("ix_calls_caller_phone"), ["caller_phone"], unique=False)
    # Calls saved before this revision were received when they were saved.
    op.execute("UPDATE calls SET saved_at = received_at")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.alter_column("saved_at", existing_type=core.db.UtcDateTime(timezone=True), nullable=False)

    op.create_table(
        "call_amendments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("at", core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_call_amendments_call_id_calls")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_call_amendments_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_amendments")),
    )
    with op.batch_alter_table("call_amendments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_amendments_call_id"), ["call_id"], unique=False)


def downgrade():
    with op.batch_alter_table("call_amendments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_amendments_call_id"))
    op.drop_table("call_amendments")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_caller_phone"))
        batch_op.drop_constraint(batch_op.f("fk_calls_transfer_by_users"), type_="foreignkey")
        batch_op.drop_column("transfer_recorded_at")
        batch_op.drop_column("transfer_note")
        batch_op.drop_column("transfer_by")
        batch_op.drop_column("transfer_at")
        batch_op.drop_column("transfer_to")
        batch_op.drop_column("needs_language")
        batch_op.drop_column("needs_youth")
        batch_op.drop_column("saved_at")
