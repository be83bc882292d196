"""facilities: beds by type, facility users, transports (incoming, bed taken)

Revision ID: 0012_facility_beds
Revises: 0011_incident_record
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401  (column types)

revision = "0012_facility_beds"
down_revision = "0011_incident_record"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "facility_beds",
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("bed_type", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "bed_type IN ('adult', 'youth', 'observation', 'detox')", name=op.f("ck_facility_beds_known_bed_type")
        ),
        sa.CheckConstraint(
            "available >= 0 AND available <= total", name=op.f("ck_facility_beds_available_within_total")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_facility_beds_facility_id_facilities"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("facility_id", "bed_type", name=op.f("pk_facility_beds")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facility_id", sa.Integer(), nullable=True))

    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("beds_updated_at", core.db.UtcDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transport_bed_type", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("transport_eta_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("transport_eta_computed_at", core.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("bed_taken_at", core.db.UtcDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facility_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_users_facility_id_facilities"), "facilities", ["facility_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_facility_id_facilities"), type_="foreignkey")
        batch_op.drop_column("facility_id")

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("bed_taken_at")
        batch_op.drop_column("transport_eta_computed_at")
        batch_op.drop_column("transport_eta_seconds")
        batch_op.drop_column("transport_bed_type")

    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.drop_column("beds_updated_at")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("facility_id")

    op.drop_table("facility_beds")
