"""number sequences: call and incident numbers on PostgreSQL without a hot counter row

Revision ID: 0008_number_sequences
Revises: 0007_map
Create Date: 2026-11-26

"""

from alembic import op

revision = "0008_number_sequences"
down_revision = "0007_map"
branch_labels = None
depends_on = None

SEQUENCES = ("call_number_seq", "incident_number_seq")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite keeps the counters table (one writer at a time)
    for name in SEQUENCES:
        # Continue after any number a counter row has already given out.
        kind = name.split("_")[0]
        op.execute(f"CREATE SEQUENCE {name}")
        op.execute(
            f"SELECT setval('{name}', GREATEST(1, COALESCE((SELECT max(value) FROM counters "
            f"WHERE name LIKE '{kind}-%'), 0)), (SELECT count(*) > 0 FROM counters WHERE name LIKE '{kind}-%'))"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in SEQUENCES:
        op.execute(f"DROP SEQUENCE IF EXISTS {name}")
