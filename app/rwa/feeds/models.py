"""The feed registry's table: which aggregator prices which pair, on which network, behind which guards.
Bounds and the jump limit are exact decimal text (`DecimalText`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.rwa.coltypes import DecimalText, UtcDateTime


class Feed(Base):
    """A registered price feed; decimals and description are what the feed answered at registration."""

    __tablename__ = "val_feed"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    network: Mapped[str] = mapped_column(String(200), nullable=False)  # "local" or an HTTP RPC URL
    address: Mapped[str] = mapped_column(String(42), nullable=False)  # checksummed
    decimals: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False)
    heartbeat_s: Mapped[int] = mapped_column(Integer, nullable=False)
    grace_s: Mapped[int] = mapped_column(Integer, nullable=False)
    min_answer: Mapped[Decimal | None] = mapped_column(DecimalText)
    max_answer: Mapped[Decimal | None] = mapped_column(DecimalText)
    max_jump: Mapped[Decimal | None] = mapped_column(DecimalText)
    market_hours: Mapped[str] = mapped_column(String(16), nullable=False)
    sequencer_address: Mapped[str | None] = mapped_column(String(42))
    sequencer_grace_s: Mapped[int] = mapped_column(Integer, nullable=False)
    fallback_pair: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
