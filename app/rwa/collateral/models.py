"""The collateral position table. Money and ratios are exact decimal text on both dialects (valuation's
`DecimalText`: the Decimal that goes in comes out digit for digit)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.rwa.coltypes import DecimalText, Units, UtcDateTime


class CollateralPosition(Base):
    __tablename__ = "rwa_collateral_position"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(100))  # the lender's loan id, free text
    asset_id: Mapped[int] = mapped_column(ForeignKey("rwa_asset.id"), nullable=False)
    wallet_id: Mapped[int] = mapped_column(ForeignKey("rwa_wallet.id"), nullable=False)
    identity_id: Mapped[int] = mapped_column(ForeignKey("rwa_identity.id"), nullable=False, index=True)
    units: Mapped[int] = mapped_column(Units, nullable=False)
    debt: Mapped[Decimal] = mapped_column(DecimalText, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    warning_ratio: Mapped[Decimal] = mapped_column(DecimalText, nullable=False)
    liquidation_ratio: Mapped[Decimal] = mapped_column(DecimalText, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # open | closed
    state: Mapped[str] = mapped_column(
        String(16), nullable=False
    )  # unpriced | healthy | warning | liquidation
    # the latest valuation of the pledge: ratio rounded for display (the state is decided exactly)
    ratio: Mapped[Decimal | None] = mapped_column(DecimalText)
    collateral_value: Mapped[Decimal | None] = mapped_column(DecimalText)
    stale: Mapped[bool | None] = mapped_column(Boolean)
    valued_block: Mapped[int | None] = mapped_column(BigInteger)
    valuation_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_rwa_collateral_position_asset_status", "asset_id", "status"),)
