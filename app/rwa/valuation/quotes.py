"""The quotes of one round, read once per pair through the guarded reader, with the last good quote of
each pair kept (seeded from the history after a restart) for the jump guard and the last-good fallback."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.oracles.base import FeedSpec, Guard, PriceQuote, PriceReader, Source
from app.oracles.errors import FeedUnavailable
from app.rwa.feeds.availability import Availability
from app.rwa.valuation.history import last_good_quote

log = logging.getLogger(__name__)


class QuoteBook:
    def __init__(
        self, reader: PriceReader, availability: Availability, shared: QuoteBook | None = None
    ) -> None:
        """`shared`: another book whose last good quotes and seen rounds this one shares (a request's
        reader beside the engine's)."""
        self.reader, self.availability = reader, availability
        self.last_good: dict[str, PriceQuote] = {} if shared is None else shared.last_good
        self.seen: dict[str, tuple[str, int]] = {} if shared is None else shared.seen  # pair -> source, round
        self.fresh: dict[str, bool] = {} if shared is None else shared.fresh  # as of the last read
        self._seeded: set[str] = set()

    def previous(self, session: Session, spec: FeedSpec) -> PriceQuote | None:
        if spec.pair not in self.last_good and spec.pair not in self._seeded:
            self._seeded.add(spec.pair)
            seeded = last_good_quote(session, spec.pair, spec.network)
            if seeded is not None:
                self.last_good[spec.pair] = seeded
        return self.last_good.get(spec.pair)

    def read(self, session: Session, spec: FeedSpec, now: datetime) -> PriceQuote | None:
        """The guarded quote, or the last good one marked stale; None when there is none at all."""
        previous = self.previous(session, spec)
        try:
            quote: PriceQuote | None = self.reader.read(spec, now, previous)
        except FeedUnavailable:
            quote = None
        except Exception:  # anything the reader did not expect: this pair is stale, the round goes on
            log.exception("reading %s failed", spec.pair)
            quote = (
                None
                if previous is None
                else replace(previous, stale=True, source=Source.LAST_GOOD, failed=(Guard.REVERTED,))
            )
        if quote is not None and not quote.stale:
            self.last_good[spec.pair] = quote
        if quote is not None:
            self.seen[spec.pair] = (quote.feed_address, quote.round_id)
        self.fresh[spec.pair] = quote is not None and not quote.stale
        self.availability.observe(spec.pair, quote, now)
        return quote

    def read_all(
        self,
        session: Session,
        specs: Mapping[str, FeedSpec],
        pairs: Iterable[str],
        now: datetime,
        given: Mapping[str, PriceQuote],
    ) -> dict[str, PriceQuote]:
        got = dict(given)
        for pair in sorted(set(pairs) - got.keys()):
            quote = self.read(session, specs[pair], now)
            if quote is not None:
                got[pair] = quote
        return got

    def health(self, pair: str) -> dict[str, Any] | None:
        """What this process last saw of a pair: its last good answer and availability (None: not read)."""
        quote = self.last_good.get(pair)
        ratio = self.availability.ratio(pair)
        if quote is None and ratio is None:
            return None
        return {
            "answer": None if quote is None else str(quote.answer),
            "price": None if quote is None else str(quote.price),
            "round_id": None if quote is None else str(quote.round_id),
            "updated_at": None if quote is None else quote.updated_at.isoformat(),
            "availability": None if ratio is None else f"{ratio:.6f}",
        }
