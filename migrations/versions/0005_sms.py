"""sms: the outbox, inbound messages, opt-outs and the console sender's store

Revision ID: 0005_sms
Revises: 0004_dispatch
Create Date: 2026-11-26

"""
import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401  (column types)

revision = "0005_sms"
down_revision = "0004_dispatch"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sms_console',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('to', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_console')),
    sa.UniqueConstraint('outbox_id', name=op.f('uq_sms_console_outbox_id')),
    sa.UniqueConstraint('sid', name=op.f('uq_sms_console_sid'))
    )
    with op.batch_alter_table('sms_console', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_console_to'), ['to'], unique=False)

    op.create_table('sms_opt_outs',
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('opted_out_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('phone', name=op.f('pk_sms_opt_outs'))
    )
    op.create_table('sms_inbound',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_sid', sa.String(length=64), nullable=False),
    sa.Column('from_number', sa.String(length=32), nullable=False),
    sa.Column('to_number', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('received_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('handled_at', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('command', sa.String(length=20), nullable=True),
    sa.Column('result', sa.String(length=40), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_sms_inbound_incident_id_incidents')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_sms_inbound_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_inbound')),
    sa.UniqueConstraint('message_sid', name=op.f('uq_sms_inbound_message_sid'))
    )
    with op.batch_alter_table('sms_inbound', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_inbound_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_inbound_unit_id'), ['unit_id'], unique=False)

    op.create_table('sms_outbound',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('provider_sid', sa.String(length=64), nullable=True),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('error_message', sa.String(length=300), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('validity_period_s', sa.Integer(), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('claimed_at', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_sms_outbound_incident_id_incidents')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_sms_outbound_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_outbound')),
    sa.UniqueConstraint('provider_sid', name=op.f('uq_sms_outbound_provider_sid'))
    )
    with op.batch_alter_table('sms_outbound', schema=None) as batch_op:
        batch_op.create_index('ix_sms_outbound_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_outbound_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_outbound_unit_id'), ['unit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('sms_outbound', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_outbound_unit_id'))
        batch_op.drop_index(batch_op.f('ix_sms_outbound_incident_id'))
        batch_op.drop_index('ix_sms_outbound_due')

    op.drop_table('sms_outbound')
    with op.batch_alter_table('sms_inbound', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_inbound_unit_id'))
        batch_op.drop_index(batch_op.f('ix_sms_inbound_incident_id'))

    op.drop_table('sms_inbound')
    op.drop_table('sms_opt_outs')
    with op.batch_alter_table('sms_console', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_console_to'))

    op.drop_table('sms_console')
