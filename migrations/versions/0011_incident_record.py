"""incidents: notes, outcome, facility, area (the incident record)

Revision ID: 0011_incident_record
Revises: 0010_call_record
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401  (column types)

revision = "0011_incident_record"
down_revision = "0010_call_record"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('facilities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('accepts_youth', sa.Boolean(), nullable=False),
    sa.Column('accepts_involuntary', sa.Boolean(), nullable=False),
    sa.Column('accepts_walk_in', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facilities')),
    sa.UniqueConstraint('name', name=op.f('uq_facilities_name'))
    )
    op.create_table('incident_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_notes_incident_id_incidents')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_incident_notes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_notes'))
    )
    with op.batch_alter_table('incident_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_notes_incident_id'), ['incident_id'], unique=False)

    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome_recorded_at', core.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('outcome_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('facility_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('area', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_incidents_facility_id'), ['facility_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_incidents_facility_id_facilities'), 'facilities', ['facility_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_incidents_outcome_by_users'), 'users', ['outcome_by'], ['id'])



def downgrade():
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_incidents_outcome_by_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_incidents_facility_id_facilities'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_incidents_facility_id'))
        batch_op.drop_column('area')
        batch_op.drop_column('facility_id')
        batch_op.drop_column('outcome_by')
        batch_op.drop_column('outcome_recorded_at')

    with op.batch_alter_table('incident_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_notes_incident_id'))

    op.drop_table('incident_notes')
    op.drop_table('facilities')
