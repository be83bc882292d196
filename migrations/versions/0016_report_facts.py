"""reports: report_facts, what each call and follow-up adds to the figures (see reports/facts.py)

Revision ID: 0016_report_facts
Revises: 0013_admin_2fa
Create Date: 2026-12-01

The table is derived from the calls, incidents, assignments, follow-ups and attempts; the upgrade
fills it from them with reports.facts.rebuild, as that module defines the facts at this revision.

"""

import sqlalchemy as sa

import core.db
from alembic import op

revision = "0016_report_facts"
down_revision = "0013_admin_2fa"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_facts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("at", core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("v", sa.Integer(), nullable=True),
        sa.Column("bucket", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=12), nullable=True),
        sa.Column("area", sa.String(length=80), nullable=True),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("followup_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_facts")),
    )
    with op.batch_alter_table("report_facts", schema=None) as batch_op:
        batch_op.create_index("ix_report_facts_kind_at", ["kind", "at", "v", "priority", "area"], unique=False)
        batch_op.create_index(
            "ix_report_facts_kind_bucket", ["kind", "bucket", "at", "v", "priority", "area"], unique=False
        )
        batch_op.create_index("ix_report_facts_call_id", ["call_id"], unique=False)
        batch_op.create_index("ix_report_facts_followup_id", ["followup_id"], unique=False)

    from reports.facts import rebuild

    rebuild(op.get_bind())


def downgrade():
    with op.batch_alter_table("report_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_report_facts_followup_id")
        batch_op.drop_index("ix_report_facts_call_id")
        batch_op.drop_index("ix_report_facts_kind_bucket")
        batch_op.drop_index("ix_report_facts_kind_at")
    op.drop_table("report_facts")
