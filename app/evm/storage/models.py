"""Tables of the chain. ``evm_kv`` holds py-evm's key-value data (state trie, headers, bodies); blocks,
transactions (with their receipts) and logs are also kept relationally so RPC queries and auditors can
read them with SQL. All rows of one block commit in one transaction with the key-value writes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.evm.storage.uint256 import Uint256

U256 = Uint256()  # exact on both dialects: every uint256 column uses it


class KeyValue(Base):
    __tablename__ = "evm_kv"
    key: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class BlockRow(Base):
    __tablename__ = "evm_block"
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    parent_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    timestamp: Mapped[int] = mapped_column(BigInteger, nullable=False)
    gas_used: Mapped[int] = mapped_column(BigInteger, nullable=False)
    gas_limit: Mapped[int] = mapped_column(BigInteger, nullable=False)
    base_fee: Mapped[int] = mapped_column(U256, nullable=False)
    tx_count: Mapped[int] = mapped_column(Integer, nullable=False)
    # RLP of the full header: the RPC renders every field from it
    header_rlp: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class TransactionRow(Base):
    """A mined transaction and its receipt."""

    __tablename__ = "evm_tx"
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    block_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    tx_index: Mapped[int] = mapped_column(Integer, nullable=False)
    tx_type: Mapped[int] = mapped_column(Integer, nullable=False)
    sender: Mapped[bytes] = mapped_column(LargeBinary(20), nullable=False, index=True)
    to: Mapped[bytes | None] = mapped_column(LargeBinary(20))
    nonce: Mapped[int] = mapped_column(BigInteger, nullable=False)
    raw: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    status: Mapped[bool] = mapped_column(Boolean, nullable=False)
    gas_used: Mapped[int] = mapped_column(BigInteger, nullable=False)
    cumulative_gas_used: Mapped[int] = mapped_column(BigInteger, nullable=False)
    effective_gas_price: Mapped[int] = mapped_column(U256, nullable=False)
    contract_address: Mapped[bytes | None] = mapped_column(LargeBinary(20))
    logs_bloom: Mapped[bytes] = mapped_column(LargeBinary(256), nullable=False)
    # raw revert bytes of a failed transaction, for revert reasons on receipts
    revert_data: Mapped[bytes | None] = mapped_column(LargeBinary)


class LogRow(Base):
    __tablename__ = "evm_log"
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    block_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    tx_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    tx_index: Mapped[int] = mapped_column(Integer, nullable=False)
    address: Mapped[bytes] = mapped_column(LargeBinary(20), nullable=False)
    topic0: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    topic1: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    topic2: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    topic3: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    __table_args__ = (
        Index("ix_evm_log_address_block", "address", "block_number"),
        Index("ix_evm_log_topic0_block", "topic0", "block_number"),
    )


class ChainMeta(Base):
    """Small facts about the chain that are not in py-evm's data: time offset, chain id at genesis."""

    __tablename__ = "evm_meta"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256), nullable=False)


class ContractRow(Base):
    """A deployment recorded by the contract registry: what was deployed, how it was built, by whom."""

    __tablename__ = "evm_contract"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    address: Mapped[bytes] = mapped_column(LargeBinary(20), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    abi: Mapped[str] = mapped_column(Text, nullable=False)  # JSON
    compiler_version: Mapped[str | None] = mapped_column(String(100))
    compiler_settings: Mapped[str | None] = mapped_column(Text)  # JSON
    source_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    bytecode_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)  # keccak of runtime code
    deployer: Mapped[bytes] = mapped_column(LargeBinary(20), nullable=False)
    tx_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    block_number: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # EIP-1967 proxies: the admin that may upgrade, and the current implementation
    proxy_admin: Mapped[bytes | None] = mapped_column(LargeBinary(20))
    implementation: Mapped[bytes | None] = mapped_column(LargeBinary(20))
    # the API key (its public prefix) that deployed it over REST; None: a raw JSON-RPC deploy. The REST
    # upgrade of a proxy is this key's (or an admin's) alone: every REST write signs with the same dev keys
    deployer_key: Mapped[str | None] = mapped_column(String(16))


class ImplementationRow(Base):
    """Implementation history of an upgradeable contract (one row per deploy or upgrade)."""

    __tablename__ = "evm_contract_impl"
    contract_id: Mapped[int] = mapped_column(ForeignKey("evm_contract.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    implementation: Mapped[bytes] = mapped_column(LargeBinary(20), nullable=False)
    abi: Mapped[str] = mapped_column(Text, nullable=False)
    tx_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    block_number: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # the build facts of this version, so that rewinding a later upgrade (evm_revert) restores them
    name: Mapped[str | None] = mapped_column(String(200))
    compiler_version: Mapped[str | None] = mapped_column(String(100))
    source_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
