"""Chainlink's AggregatorV3Interface through web3.py: reading feeds and, on our own chain, writing them.

The one module that calls contracts through web3. Every failure of a call becomes an ``OracleError``
(web3's exceptions never leave it): an address with no code, or whose calls revert or answer something
that does not decode, is ``NotAnAggregator``; a known feed whose call reverts (deprecated, shut down) or
whose node cannot be reached is ``FeedReverted``. ``ChainlinkReader`` turns those, and the answers, into
guarded quotes (the checks themselves are pure, in guards.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import BadFunctionCallOutput, ContractLogicError, Web3Exception, Web3RPCError

from app.metrics import FEED_ANSWERS_READ, FEED_GUARD_FAILURES
from app.oracles.base import FeedSpec, Guard, PriceQuote, RoundData, Source
from app.oracles.errors import (
    BadDecimals,
    FeedReverted,
    FeedUnavailable,
    NotAnAggregator,
    OracleError,
    PushRefused,
    RoundNotFound,
)
from app.oracles.guards import check_round, decimals_ok, sequencer_down

ARTIFACT = Path(__file__).resolve().parents[2] / "contracts" / "build" / "AuriAggregator.json"
RECEIPT_TIMEOUT_S = 30.0
Sender = str | LocalAccount  # a dev account's address (eth_sendTransaction) or a key that signs here


class ChainlinkReader:
    """``PriceReader`` over Chainlink feeds on any network: every guard of ``guards.check_round``, the L2
    sequencer, then the spec's fallback (through the same guards), then the previous good quote marked stale,
    else ``FeedUnavailable``; never silently. ``web3_for(network)`` gives the Web3 of a FeedSpec.network.
    Thread-safe: no state but a cache of each feed's decimals (read once per address)."""

    def __init__(self, web3_for: Callable[[str], Web3]) -> None:
        self.web3_for = web3_for
        self._meta: dict[tuple[str, str], FeedMeta] = {}  # one dict store is atomic: no lock needed

    def meta(self, network: str, address: str) -> FeedMeta:
        key = (network, address.lower())
        meta = self._meta.get(key)
        if meta is None:
            meta = self._meta[key] = read_meta(self.web3_for(network), address)
        return meta

    def read(self, spec: FeedSpec, now: datetime, previous: PriceQuote | None = None) -> PriceQuote:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware (UTC)")
        failed: list[Guard] = []
        feed: FeedSpec | None = spec
        source = Source.PRIMARY
        while feed is not None:
            quote, guards = self._read_one(feed, spec.pair, source, now, previous)
            for guard in guards:
                if guard is not Guard.MARKET_CLOSED:  # a closed market is not an alarm
                    FEED_GUARD_FAILURES.labels(pair=spec.pair, guard=guard.value).inc()
            failed.extend(g for g in guards if g not in failed)
            if quote is not None:
                return self._counted(replace(quote, failed=tuple(failed)))
            feed, source = feed.fallback, Source.FALLBACK
        if previous is None:
            raise FeedUnavailable(spec.pair, tuple(failed))
        return self._counted(replace(previous, stale=True, source=Source.LAST_GOOD, failed=tuple(failed)))

    def _read_one(
        self, feed: FeedSpec, pair: str, source: Source, now: datetime, previous: PriceQuote | None
    ) -> tuple[PriceQuote | None, tuple[Guard, ...]]:
        """One feed through its guards: its quote (stale when only its market is closed) or None, and the
        guards it failed."""
        w3 = self.web3_for(feed.network)
        if feed.sequencer_address is not None:
            try:
                down = sequencer_down(read_round(w3, feed.sequencer_address), now, feed.sequencer_grace_s)
            except OracleError:
                down = True  # an uptime feed we cannot read cannot vouch for the sequencer
            if down:
                return None, (Guard.SEQUENCER_DOWN,)
        try:
            decimals = self.meta(feed.network, feed.address).decimals
            rd = read_round(w3, feed.address)
        except BadDecimals:
            return None, (Guard.BAD_DECIMALS,)
        except OracleError:
            return None, (Guard.REVERTED,)
        guards = check_round(feed, rd, decimals, now, previous)
        if guards and guards != (Guard.MARKET_CLOSED,):
            return None, guards
        quote = PriceQuote(
            pair=pair,
            network=feed.network,
            feed_address=Web3.to_checksum_address(feed.address),
            round_id=rd.round_id,
            answer=rd.answer,
            decimals=decimals,
            updated_at=datetime.fromtimestamp(rd.updated_at, UTC),
            source=source,
            stale=bool(guards),
        )
        return quote, guards

    @staticmethod
    def _counted(quote: PriceQuote) -> PriceQuote:
        FEED_ANSWERS_READ.labels(pair=quote.pair, source=quote.source.value).inc()
        return quote


@dataclass(frozen=True, slots=True)
class FeedMeta:
    decimals: int
    description: str
    version: int


@lru_cache(maxsize=1)
def artifact() -> dict[str, Any]:
    """contracts/build/AuriAggregator.json: its ABI is AggregatorV3Interface's, plus updates and events."""
    data: dict[str, Any] = json.loads(ARTIFACT.read_text())
    return data


def aggregator(w3: Web3, address: str) -> Any:
    """The web3 contract of the aggregator at ``address`` (made once per Web3 and address: building one
    costs more than the call it serves; calls still take ``w3.eth.default_block`` at call time)."""
    try:
        checksummed = Web3.to_checksum_address(address)
    except (ValueError, TypeError) as exc:
        raise NotAnAggregator(str(address), "not a 20-byte hex address") from exc
    return _contract(w3, checksummed)


@lru_cache(maxsize=4096)
def _contract(w3: Web3, address: str) -> Any:
    # web3 types the address as ChecksumAddress and the ABI as its TypedDicts; ours is a checked str and JSON
    return w3.eth.contract(address=address, abi=artifact()["abi"])  # type: ignore[call-overload]


def read_meta(w3: Web3, address: str) -> FeedMeta:
    """decimals(), description() and version(), read from the feed (never assumed)."""
    feed = aggregator(w3, address)
    f = feed.functions
    decimals = _call(w3, feed, "decimals", f.decimals(), reverted=NotAnAggregator)
    meta = FeedMeta(
        int(decimals),
        str(_call(w3, feed, "description", f.description(), reverted=NotAnAggregator)),
        int(_call(w3, feed, "version", f.version(), reverted=NotAnAggregator)),
    )
    if not decimals_ok(meta.decimals):
        raise BadDecimals(feed.address, meta.decimals)
    return meta


def read_round(w3: Web3, address: str, round_id: int | None = None) -> RoundData:
    """latestRoundData(), or getRoundData(round_id), raw."""
    feed = aggregator(w3, address)
    if round_id is None:
        out = _call(w3, feed, "latestRoundData", feed.functions.latestRoundData(), reverted=FeedReverted)
    else:
        fn = feed.functions.getRoundData(round_id)
        try:
            out = _call(w3, feed, "getRoundData", fn, reverted=FeedReverted)
        except FeedReverted as exc:
            if isinstance(exc.__cause__, ContractLogicError):
                raise RoundNotFound(feed.address, round_id) from exc
            raise
    return RoundData(*(int(x) for x in out))


def updated_feeds(w3: Web3, from_block: int, to_block: int, addresses: Iterable[str] | None) -> set[str]:
    """The aggregators (checksummed) among ``addresses`` (any, when None) that emitted ``AnswerUpdated`` in
    blocks ``from_block..to_block``."""
    wanted = None if addresses is None else [aggregator(w3, a).address for a in addresses]
    if wanted == []:
        return set()
    topic = w3.eth.contract(abi=artifact()["abi"]).events.AnswerUpdated().topic
    query: dict[str, Any] = {"fromBlock": from_block, "toBlock": to_block, "topics": [topic]}
    if wanted is not None:
        query["address"] = wanted
    try:
        logs = w3.eth.get_logs(query)  # type: ignore[arg-type]  # a plain dict, not web3's FilterParams
    except (Web3Exception, OSError) as exc:
        raise FeedReverted(f"could not read AnswerUpdated logs: {exc}") from exc
    return {Web3.to_checksum_address(log["address"]) for log in logs}


def deploy_aggregator(
    w3: Web3, *, decimals: int, description: str, answer: Decimal | int, sender: Sender
) -> str:
    """Deploy our AuriAggregator (owned by ``sender``) with a first round at ``answer`` (a price in the
    feed's units, scaled by ``decimals``); returns its checksummed address."""
    if not 0 <= decimals <= 255:
        raise ValueError(f"decimals is a uint8, not {decimals}")
    factory = w3.eth.contract(abi=artifact()["abi"], bytecode=artifact()["bytecode"])
    receipt = _transact(w3, factory.constructor(decimals, description, scale(answer, decimals)), sender)
    return str(receipt["contractAddress"])


def push_answer(w3: Web3, address: str, price: Decimal | int, sender: Sender) -> int:
    """A new round at ``price`` (scaled by the feed's own decimals) through ``updateAnswer``; returns its
    round id, from the receipt's AnswerUpdated (or, for a feed that logs none, its latest round then)."""
    feed = aggregator(w3, address)
    decimals = read_meta(w3, feed.address).decimals
    receipt = _transact(w3, feed.functions.updateAnswer(scale(price, decimals)), sender)
    event = feed.events.AnswerUpdated()
    for log in receipt["logs"]:
        if log["address"] == feed.address and log["topics"] and log["topics"][0] == event.topic:
            return int.from_bytes(log["topics"][2], "big")
    latest = feed.functions.latestRoundData().call(block_identifier=receipt["blockNumber"])
    return int(latest[0])


def scale(price: Decimal | int, decimals: int) -> int:
    """``price`` as the feed's integer answer; a price with more places than the feed keeps is refused."""
    if isinstance(price, float) or isinstance(price, bool):
        raise TypeError("a price is a Decimal or an int, never a float")
    raw = Decimal(price).scaleb(decimals)
    if raw != raw.to_integral_value():
        raise ValueError(f"{price} has more than the feed's {decimals} decimal places")
    return int(raw)


def _call(w3: Web3, feed: Any, name: str, fn: Any, *, reverted: Callable[..., OracleError]) -> Any:
    try:
        return fn.call()
    except ContractLogicError as exc:
        if reverted is FeedReverted:
            raise FeedReverted(f"{name}() of {feed.address} reverted: {_reason(exc)}") from exc
        raise NotAnAggregator(feed.address, f"{name}() reverted ({_reason(exc)})") from exc
    except (BadFunctionCallOutput, OverflowError, ValueError) as exc:  # empty or undecodable output
        raise NotAnAggregator(feed.address, _why_no_answer(w3, feed.address, name)) from exc
    except (Web3Exception, OSError) as exc:  # the node: unreachable, timed out, refused the request
        raise FeedReverted(f"{name}() of {feed.address} could not be read: {exc}") from exc


def _reason(exc: ContractLogicError) -> str:
    return str(exc.message or "execution reverted")


def _rpc_message(exc: Web3RPCError) -> str:
    error = (exc.rpc_response or {}).get("error")
    return str(error["message"]) if isinstance(error, dict) and error.get("message") else exc.message


def _why_no_answer(w3: Web3, address: str, name: str) -> str:
    try:
        empty = not w3.eth.get_code(address)  # type: ignore[arg-type]  # a checked str, not ChecksumAddress
    except (Web3Exception, OSError):
        empty = False
    return "the address holds no contract" if empty else f"{name}() does not answer as AggregatorV3Interface"


def _transact(w3: Web3, fn: Any, sender: Sender) -> Any:
    try:
        if isinstance(sender, LocalAccount):
            nonce = w3.eth.get_transaction_count(sender.address, "pending")
            tx = fn.build_transaction({"from": sender.address, "nonce": nonce})
            tx_hash = w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
        else:
            tx_hash = fn.transact({"from": Web3.to_checksum_address(sender)})
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, RECEIPT_TIMEOUT_S, poll_latency=0.05)
    except ContractLogicError as exc:
        raise PushRefused(f"the aggregator refused the transaction: {_reason(exc)}") from exc
    except Web3RPCError as exc:  # e.g. a sender the node holds no key for, too low a balance
        raise PushRefused(f"the node refused the transaction: {_rpc_message(exc)}") from exc
    except (Web3Exception, OSError) as exc:  # unreachable, or no receipt in time
        raise FeedReverted(f"the transaction could not be sent: {exc}") from exc
    if receipt["status"] != 1:
        raise PushRefused(f"transaction {receipt['transactionHash'].hex()} reverted")
    return receipt
