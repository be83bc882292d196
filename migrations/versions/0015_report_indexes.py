"""reports: the indexes the report queries read (see reports/models.py)

Revision ID: 0015_report_indexes
Revises: 0012_facility_beds
Create Date: 2026-12-01

"""

from alembic import op

revision = "0015_report_indexes"
down_revision = "0012_facility_beds"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_calls_received_at_disposition",
            ["received_at", "disposition", "priority", "transfer_at"],
            unique=False,
            postgresql_include=["id"],
        )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index("ix_assignments_incident_id_assigned_at", ["incident_id", "assigned_at"], unique=False)
    with op.batch_alter_table("followup_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_followup_attempts_followup_id_outcome", ["followup_id", "outcome", "at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("followup_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_followup_attempts_followup_id_outcome")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_assignments_incident_id_assigned_at")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_received_at_disposition")
