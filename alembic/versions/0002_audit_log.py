"""Audit log: append-only entries (hash chain, Merkle leaves) and signed checkpoints

Revision ID: 0002_audit_log
Revises: 0001_evm_chain
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_audit_log"
down_revision = "0001_evm_chain"
branch_labels = None
depends_on = None

TABLES = ("audit_entry", "audit_checkpoint")

PG_FUNCTION = """
create function audit_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit log is append-only: % on % refused', tg_op, tg_table_name
        using errcode = 'integrity_constraint_violation';
end
$$
"""


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("asset", sa.String(100), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entry")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_entry_prev_hash")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_entry_hash")),
    )
    op.create_index(op.f("ix_audit_entry_asset"), "audit_entry", ["asset"])
    op.create_table(
        "audit_checkpoint",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("public_key", sa.LargeBinary(32), nullable=False),
        sa.Column("signature", sa.LargeBinary(64), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_audit_checkpoint")),
    )
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == "postgresql":
            if table == TABLES[0]:
                op.execute(PG_FUNCTION)
            op.execute(
                f"create trigger {table}_append_only before update or delete on {table} "
                "for each row execute function audit_append_only()"
            )
            op.execute(
                f"create trigger {table}_no_truncate before truncate on {table} "
                "for each statement execute function audit_append_only()"
            )
        elif dialect == "sqlite":
            for event in ("update", "delete"):
                op.execute(
                    f"create trigger {table}_no_{event} before {event} on {table} "
                    f"begin select raise(abort, 'audit log is append-only: {event} on {table} refused'); end"
                )


def downgrade() -> None:
    # dropping a table drops its triggers (the only way to remove audit rows is to drop the whole log)
    op.drop_table("audit_checkpoint")
    op.drop_index(op.f("ix_audit_entry_asset"), table_name="audit_entry")
    op.drop_table("audit_entry")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("drop function audit_append_only()")
