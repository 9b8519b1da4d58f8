"""Errors of valuation; each derives from the registry's error of its kind, so the web layer maps it.

ValuationError (RwaError)
  + FeedNotFound (NotFound)             (404) FEED_NOT_FOUND: no feed registered for that pair
  + NoValuation (NotFound)              (404) NO_VALUATION: the asset has no valuation at or before that point
  + PricingNotFound (NotFound)          (404) PRICING_NOT_FOUND: the asset has no pricing rule
  + FeedExists (AlreadyExists)          (409) FEED_EXISTS: the pair is registered already
  + InvalidFeed (InvalidInput)          (422) INVALID_FEED: a pair, network, bound or fallback we refuse
  |   + NotAggregator                   (422) NOT_AN_AGGREGATOR: no contract there, or not AggregatorV3
  |   + BadFeedDecimals                 (422) BAD_DECIMALS: the feed answered decimals outside 1..18
  + InvalidPricing (InvalidInput)       (422) INVALID_PRICING: a pricing rule we cannot apply
  |   + UnknownCurrency                 (422) UNKNOWN_CURRENCY: not an ISO-4217 currency we report in
  |   + NoFxPath                        (422) NO_FX_PATH: no registered FX feed converts to that currency
  + InvalidAsOf (InvalidInput)          (422) INVALID_AS_OF: malformed `at`/`block`, or both given
  + BeforeAsset (InvalidInput)          (422) BEFORE_ASSET: `at`/`block` before the asset existed
"""

from __future__ import annotations

from app.rwa.errors import AlreadyExists, InvalidInput, NotFound, RwaError


class ValuationError(RwaError):
    pass


class FeedNotFound(ValuationError, NotFound):
    kind = "feed"


class NoValuation(ValuationError, NotFound):
    kind = "valuation of asset"


class PricingNotFound(ValuationError, NotFound):
    kind = "pricing rule of asset"


class FeedExists(ValuationError, AlreadyExists):
    def __init__(self, pair: str) -> None:
        super().__init__(f"a feed for {pair} is registered already")


class InvalidFeed(ValuationError, InvalidInput):
    pass


class NotAggregator(InvalidFeed):
    pass


class BadFeedDecimals(InvalidFeed):
    pass


class InvalidPricing(ValuationError, InvalidInput):
    pass


class UnknownCurrency(InvalidPricing):
    def __init__(self, currency: str) -> None:
        super().__init__(f"{currency!r} is not an ISO-4217 currency we report in")


class NoFxPath(InvalidPricing):
    pass


class InvalidAsOf(ValuationError, InvalidInput):
    pass


class BeforeAsset(ValuationError, InvalidInput):
    pass
