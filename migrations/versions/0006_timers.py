"""timers: durable timer rows, follow-ups and their attempts, scheduler probes

Revision ID: 0006_timers
Revises: 0005_sms
Create Date: 2026-11-26

"""
import sqlalchemy as sa
from alembic import op

import core.db

revision = "0006_timers"
down_revision = "0005_sms"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('timer_probes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('timer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('fired_by', sa.String(length=80), nullable=False),
    sa.Column('fired_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timer_probes'))
    )
    with op.batch_alter_table('timer_probes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timer_probes_timer_id'), ['timer_id'], unique=False)

    op.create_table('followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('risk_level', sa.String(length=12), nullable=False),
    sa.Column('started_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('closed_at', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_followups_call_id_calls')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_followups_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followups'))
    )
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followups_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followups_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_followups_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followups_state'), ['state'], unique=False)

    op.create_table('timers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('due_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('created_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('lease_until', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('fired_at', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_timers_call_id_calls')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_timers_incident_id_incidents')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_timers_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timers'))
    )
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timers_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_timers_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index('ix_timers_state_due_at', ['state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_timers_unit_id'), ['unit_id'], unique=False)

    op.create_table('followup_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('followup_id', sa.Integer(), nullable=False),
    sa.Column('at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['followup_id'], ['followups.id'], name=op.f('fk_followup_attempts_followup_id_followups')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_followup_attempts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_attempts'))
    )
    with op.batch_alter_table('followup_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_attempts_followup_id'), ['followup_id'], unique=False)



def downgrade():
    with op.batch_alter_table('followup_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followup_attempts_followup_id'))

    op.drop_table('followup_attempts')
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timers_unit_id'))
        batch_op.drop_index('ix_timers_state_due_at')
        batch_op.drop_index(batch_op.f('ix_timers_incident_id'))
        batch_op.drop_index(batch_op.f('ix_timers_call_id'))

    op.drop_table('timers')
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followups_state'))
        batch_op.drop_index(batch_op.f('ix_followups_incident_id'))
        batch_op.drop_index(batch_op.f('ix_followups_due_at'))
        batch_op.drop_index(batch_op.f('ix_followups_call_id'))

    op.drop_table('followups')
    with op.batch_alter_table('timer_probes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timer_probes_timer_id'))

    op.drop_table('timer_probes')
