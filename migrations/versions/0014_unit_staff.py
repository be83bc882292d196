"""units: who rides with each unit this shift (unit staffing)

Revision ID: 0014_unit_staff
Revises: 0015_report_indexes
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401  (column types)

revision = "0014_unit_staff"
down_revision = "0015_report_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unit_crew',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('crew_role', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('set_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('set_by_name', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_unit_crew_set_by_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_crew_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_unit_crew_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_crew')),
    sa.UniqueConstraint('unit_id', 'position', name=op.f('uq_unit_crew_unit_id'))
    )


def downgrade():
    op.drop_table('unit_crew')
