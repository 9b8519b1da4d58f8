"""Reads of the append-only history that the engine needs: the last good quote of a pair (for the jump
guard and the last-good fallback after a restart)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.oracles.base import PriceQuote, Source
from app.rwa.valuation.models import Valuation


def last_good_quote(session: Session, pair: str, network: str) -> PriceQuote | None:
    v = Valuation.__table__.c
    row = session.execute(
        select(v.feed_address, v.round_id, v.answer, v.decimals, v.answer_updated_at)
        .where(v.feed_pair == pair, v.stale.is_(False), v.answer.is_not(None))
        .order_by(v.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return PriceQuote(
        pair=pair,
        network=network,
        feed_address=row.feed_address,
        round_id=row.round_id,
        answer=row.answer,
        decimals=row.decimals,
        updated_at=row.answer_updated_at,
        source=Source.PRIMARY,
    )
