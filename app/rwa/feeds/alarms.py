"""Feed health alerts: a pair that stops having a fresh answer raises `feed_stale` once (with the guards
that failed), and `feed_recovered` when it has one again; a market that is only closed (weekend) is no
alarm. Raised in the round's transaction, through `app.rwa.alerts` (audit entry, stream, webhooks)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy.orm import Session

from app.oracles.base import Guard, PriceQuote
from app.rwa.alerts.service import raise_alert


class FeedAlarms:
    def __init__(self) -> None:
        self.down: set[str] = set()

    def observe(
        self, session: Session, pairs: Iterable[str], quotes: Mapping[str, PriceQuote], block: int
    ) -> None:
        for pair in sorted(pairs):
            quote = quotes.get(pair)
            guards = tuple(quote.failed) if quote is not None else ()
            closed_only = quote is not None and quote.stale and set(guards) == {Guard.MARKET_CLOSED}
            fresh = quote is not None and (not quote.stale or closed_only)
            if not fresh and pair not in self.down:
                self.down.add(pair)
                raise_alert(
                    session,
                    kind="feed_stale",
                    subject=f"feed:{pair}",
                    severity="warning",
                    payload={
                        "pair": pair,
                        "block": block,
                        "failed": [g.value for g in guards],
                        "source": None if quote is None else quote.source.value,
                        "last_good_round": None if quote is None else str(quote.round_id),
                    },
                )
            elif fresh and pair in self.down:
                self.down.discard(pair)
                raise_alert(
                    session,
                    kind="feed_recovered",
                    subject=f"feed:{pair}",
                    severity="info",
                    payload={"pair": pair, "block": block, "round": str(quote.round_id) if quote else None},
                )
