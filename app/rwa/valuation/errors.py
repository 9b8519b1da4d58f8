"""Errors of valuation; each derives from the registry's error of its kind and sets its own `code`.

ValuationError (RwaError)
  + FeedNotFound (NotFound)             (not_found) FEED_NOT_FOUND: no feed registered for that pair
  + NoValuation (NotFound)              (not_found) NO_VALUATION: no valuation at or before that point
  + PricingNotFound (NotFound)          (not_found) PRICING_NOT_FOUND: the asset has no pricing rule
  + FeedExists (AlreadyExists)          (conflict) FEED_EXISTS: the pair is registered already
  + InvalidFeed (InvalidInput)          (invalid) INVALID_FEED: a pair, network, bound or fallback we refuse
  |   + NotAggregator                   (invalid) NOT_AN_AGGREGATOR: no contract there, or not AggregatorV3
  |   + BadFeedDecimals                 (invalid) BAD_DECIMALS: the feed answered decimals outside 1..18
  + InvalidPricing (InvalidInput)       (invalid) INVALID_PRICING: a pricing rule we cannot apply
  |   + UnknownCurrency                 (invalid) UNKNOWN_CURRENCY: not an ISO-4217 currency we report in
  |   + NoFxPath                        (invalid) NO_FX_PATH: no registered FX feed converts to that currency
  + InvalidAsOf (InvalidInput)          (invalid) INVALID_AS_OF: malformed `at`/`block`, or both given
  + BeforeAsset (InvalidInput)          (invalid) BEFORE_ASSET: `at`/`block` before the asset existed
"""

from __future__ import annotations

from app.rwa.errors import AlreadyExists, InvalidInput, NotFound, RwaError


class ValuationError(RwaError):
    """Root of valuation's errors. It sets no kind or code: each subclass takes them from its registry
    base (NotFound, AlreadyExists, InvalidInput), which comes after it in the MRO."""


class FeedNotFound(ValuationError, NotFound):
    code = "FEED_NOT_FOUND"
    what = "feed"


class NoValuation(ValuationError, NotFound):
    code = "NO_VALUATION"
    what = "valuation of asset"


class PricingNotFound(ValuationError, NotFound):
    code = "PRICING_NOT_FOUND"
    what = "pricing rule of asset"


class FeedExists(ValuationError, AlreadyExists):
    code = "FEED_EXISTS"

    def __init__(self, pair: str) -> None:
        super().__init__(f"a feed for {pair} is registered already")


class InvalidFeed(ValuationError, InvalidInput):
    code = "INVALID_FEED"


class NotAggregator(InvalidFeed):
    code = "NOT_AN_AGGREGATOR"


class BadFeedDecimals(InvalidFeed):
    code = "BAD_DECIMALS"


class InvalidPricing(ValuationError, InvalidInput):
    code = "INVALID_PRICING"


class UnknownCurrency(InvalidPricing):
    code = "UNKNOWN_CURRENCY"

    def __init__(self, currency: str) -> None:
        super().__init__(f"{currency!r} is not an ISO-4217 currency we report in")


class NoFxPath(InvalidPricing):
    code = "NO_FX_PATH"


class InvalidAsOf(ValuationError, InvalidInput):
    code = "INVALID_AS_OF"


class BeforeAsset(ValuationError, InvalidInput):
    code = "BEFORE_ASSET"
