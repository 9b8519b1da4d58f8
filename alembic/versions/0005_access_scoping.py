"""Access scoping: who onboarded an identity, which API key deployed a contract

``rwa_identity.onboarded_by_issuer_id``: the issuer that onboarded the identity (NULL: an admin; every
identity that exists before this revision counts as an admin's). ``evm_contract.deployer_key``: the prefix
of the API key that deployed the contract over REST (NULL: a JSON-RPC deploy, or one made before this
revision); upgrades over REST are that key's or an admin's.

SQLite adds the foreign key inline (ALTER TABLE ADD COLUMN ... REFERENCES): a batch re-creation of
``rwa_identity`` would drop a table that wallets reference while foreign keys are on (and they cannot be
turned off inside the migration's transaction). For the same reason a SQLite downgrade leaves that nullable
column in place (code of the older revision never reads it; SQLite cannot drop a column of a foreign key),
and an upgrade adds it only when it is missing.

Revision ID: 0005_access_scoping
Revises: 0004_exact_uint256
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_access_scoping"
down_revision = "0004_exact_uint256"
branch_labels = None
depends_on = None

FK = "fk_rwa_identity_onboarded_by_issuer_id_rwa_issuer"


def upgrade() -> None:
    op.add_column("evm_contract", sa.Column("deployer_key", sa.String(16), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        if "onboarded_by_issuer_id" in {c["name"] for c in sa.inspect(bind).get_columns("rwa_identity")}:
            return  # left in place by a downgrade (see above)
        op.execute(
            "ALTER TABLE rwa_identity ADD COLUMN onboarded_by_issuer_id INTEGER "
            f"CONSTRAINT {FK} REFERENCES rwa_issuer (id)"
        )
        return
    op.add_column("rwa_identity", sa.Column("onboarded_by_issuer_id", sa.Integer(), nullable=True))
    op.create_foreign_key(FK, "rwa_identity", "rwa_issuer", ["onboarded_by_issuer_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # a plain column: SQLite (3.35+) drops it in place, without re-creating a table others reference
        op.execute("ALTER TABLE evm_contract DROP COLUMN deployer_key")
        return  # rwa_identity.onboarded_by_issuer_id stays (see above)
    op.drop_column("evm_contract", "deployer_key")
    op.drop_constraint(FK, "rwa_identity", type_="foreignkey")
    op.drop_column("rwa_identity", "onboarded_by_issuer_id")
