"""incidents: notes, outcome, facility, area (the incident record)

Revision ID: 0011_incident_record
Revises: 0010_call_record
Create Date: 2026-12-01

"""

revision = "0011_incident_record"
down_revision = "0010_call_record"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
