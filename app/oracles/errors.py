"""Errors of the oracles half. Each says what kind of failure it is (``kind``); `app/api/errors.py`
alone maps kinds to HTTP statuses.

OracleError                       the root
  + UnknownPair (LookupError)     (not_found) no feed configured for a pair
  + RoundNotFound (LookupError)   (not_found) getRoundData of a round the aggregator does not know
  + NotAnAggregator (ValueError)  (invalid) the address holds no contract, or one that does not answer
  |                                 AggregatorV3Interface (a call reverts or its output does not decode)
  + BadDecimals (ValueError)      (invalid) decimals() outside 1..18
  + UnknownCurrency (ValueError)  (invalid) not an ISO-4217 currency we price in
  + PushRefused (ValueError)      (invalid) deploying or updating an aggregator was refused: it reverted (not
  |                                 the owner) or the node refused the transaction (no key for the sender)
  + FeedReverted                  (unavailable) a call to the feed reverted, or its node could not be reached
  + FeedUnavailable               (unavailable) no fresh answer, no fallback, no last good quote; carries
                                    the guards that failed
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.errors import AppError, Kind

if TYPE_CHECKING:
    from app.oracles.base import Guard


class OracleError(AppError):
    """Root of every oracle error."""

    kind = Kind.INVALID
    code = "ORACLE_ERROR"


class UnknownPair(OracleError, LookupError):
    kind = Kind.NOT_FOUND
    code = "UNKNOWN_PAIR"

    def __init__(self, pair: str) -> None:
        super().__init__(f"no feed configured for pair {pair}")
        self.pair = pair


class RoundNotFound(OracleError, LookupError):
    kind = Kind.NOT_FOUND
    code = "ROUND_NOT_FOUND"

    def __init__(self, address: str, round_id: int) -> None:
        super().__init__(f"aggregator {address} has no round {round_id}")
        self.address, self.round_id = address, round_id


class NotAnAggregator(OracleError, ValueError):
    kind = Kind.INVALID
    code = "NOT_AN_AGGREGATOR"

    def __init__(self, address: str, why: str) -> None:
        super().__init__(f"{address} is not an AggregatorV3Interface feed: {why}")
        self.address = address


class BadDecimals(OracleError, ValueError):
    kind = Kind.INVALID
    code = "BAD_DECIMALS"

    def __init__(self, address: str, decimals: int) -> None:
        super().__init__(f"feed {address} answers decimals() = {decimals}; a feed must have 1 to 18")
        self.address, self.decimals = address, decimals


class UnknownCurrency(OracleError, ValueError):
    kind = Kind.INVALID
    code = "UNKNOWN_CURRENCY"

    def __init__(self, currency: str) -> None:
        super().__init__(f"unknown currency {currency!r}: expected an ISO-4217 code such as USD, EUR, GBP")
        self.currency = currency


class PushRefused(OracleError, ValueError):
    kind = Kind.INVALID
    code = "PUSH_REFUSED"


class FeedReverted(OracleError):
    kind = Kind.UNAVAILABLE
    code = "FEED_REVERTED"


class FeedUnavailable(OracleError):
    kind = Kind.UNAVAILABLE
    code = "FEED_UNAVAILABLE"

    def __init__(self, pair: str, guards: tuple[Guard, ...]) -> None:
        names = ", ".join(g.value for g in guards) or "none"
        super().__init__(f"no usable answer for {pair} and no previous good quote (failed guards: {names})")
        self.pair, self.guards = pair, guards
