"""Tables of valuation: one pricing rule per asset, and the append-only history (the feed registry's table
is in `app/rwa/feeds/models.py`).

Money is stored as exact decimal text (`DecimalText`) on both dialects: a Decimal goes in and the same
Decimal comes out, digit for digit (NUMERIC on SQLite would turn it into a REAL). Raw feed answers and round
ids are integers of up to 256 bits (`Units`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.rwa.coltypes import DecimalText, Units, UtcDateTime

# BIGINT ids on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class PricingRule(Base):
    """How one asset is priced: `kind` units (x a feed price), nav (per unit from a NAV feed) or appraisal.

    The price (feed answer or appraisal amount) is for `base_units` base units of the asset (e.g. 10**18
    base units = 1 troy ounce); the value of one base unit is price / base_units."""

    __tablename__ = "val_pricing_rule"
    asset_id: Mapped[int] = mapped_column(ForeignKey("rwa_asset.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    feed_pair: Mapped[str | None] = mapped_column(String(40))
    base_units: Mapped[int] = mapped_column(Units, nullable=False)
    appraisal_amount: Mapped[Decimal | None] = mapped_column(DecimalText)
    appraisal_currency: Mapped[str | None] = mapped_column(String(3))
    appraised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    currencies: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class Valuation(Base):
    """One asset valued in one currency at one block: append-only, never updated.

    Keeps what produced it: the raw answer with its decimals, round id, updatedAt and feed address, the FX
    legs used (pair, answer, decimals, round id, inverse), the block, the stale flag, source, failed guards.
    `unit_value` is the exact value of one base unit; `total_value` that of the issued units, rounded to the
    currency's ISO-4217 minor units half-even."""

    __tablename__ = "val_valuation"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("rwa_asset.id"), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    block_number: Mapped[int] = mapped_column(BigInteger, nullable=False)
    block_time: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    feed_pair: Mapped[str | None] = mapped_column(String(40))
    feed_address: Mapped[str | None] = mapped_column(String(42))
    answer: Mapped[int | None] = mapped_column(Units)
    decimals: Mapped[int | None] = mapped_column(Integer)
    round_id: Mapped[int | None] = mapped_column(Units)
    answer_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    fx: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    stale: Mapped[bool] = mapped_column(Boolean, nullable=False)
    failed: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    unit_value: Mapped[Decimal] = mapped_column(DecimalText, nullable=False)
    issued_units: Mapped[int] = mapped_column(Units, nullable=False)
    total_value: Mapped[Decimal] = mapped_column(DecimalText, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (
        Index("ix_val_valuation_asset_currency_block", "asset_id", "currency", "block_number"),
        Index("ix_val_valuation_asset_currency_time", "asset_id", "currency", "block_time"),
    )
