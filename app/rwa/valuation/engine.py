"""The valuation engine: on every block of our chain, the feeds whose `AnswerUpdated` appeared are read
(through `app.oracles`, at that block) and every asset depending on them is revalued, in each of its
currencies, in one transaction that also runs `ROUND_LISTENERS`; feeds on other networks are polled.

The block listener only queues the block number: the miner is never held up. One worker thread reads and
writes. A round first reads (feeds, rules), then writes; a feed that fails is valued from its last good
answer, marked stale, and never stops the other assets."""

from __future__ import annotations

import functools
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_utils.crypto import keccak
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.metrics import VALUATION_ROUND_SECONDS, VALUATIONS_STORED
from app.oracles.base import FeedSpec, PriceQuote
from app.oracles.provider import Dispatch, Networks
from app.rwa.feeds import chainio
from app.rwa.feeds.alarms import FeedAlarms
from app.rwa.feeds.availability import Availability
from app.rwa.feeds.registry import all_specs
from app.rwa.repo import utcnow
from app.rwa.valuation.listeners import ROUND_LISTENERS, run_listeners
from app.rwa.valuation.models import Valuation
from app.rwa.valuation.quotes import QuoteBook
from app.rwa.valuation.rounds import Affected, Rule, build_rows, load_rules, needed_pairs, store

log = logging.getLogger(__name__)
ANSWER_UPDATED = keccak(text="AnswerUpdated(int256,uint256,uint256)")  # Chainlink's event, topic 0


@dataclass(frozen=True, slots=True)
class BlockRef:
    number: int
    time: datetime


def _exclusive(method: Callable[..., set[int]]) -> Callable[..., set[int]]:
    @functools.wraps(method)
    def run(self: ValuationEngine, *args: Any) -> set[int]:
        with self._busy:
            return method(self, *args)

    return run


class ValuationEngine:
    def __init__(
        self, sessions: sessionmaker[Session], chain: Any, dispatch: Dispatch, *, poll_s: float = 15.0
    ) -> None:
        self.sessions, self.chain, self.dispatch, self.poll_s = sessions, chain, dispatch, poll_s
        self.remote = Networks(None)
        self.web3s = chainio.PinnedWeb3s(dispatch, self.remote)  # the worker's, pinned per round
        self.book = QuoteBook(chainio.reader(self.web3s), Availability())
        self.rounds = 0
        self.alarms = FeedAlarms()
        # (block, kind): "moved" (AnswerUpdated logs), "quiet" (none), "catch_up" (blocks mined while down)
        self._queue: queue.Queue[tuple[int, str] | None] = queue.Queue()
        self._done = chain.head_number - 1  # the start's catch-up item marks the head done
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # rounds one at a time, whoever calls (the worker, or a test or tool calling poll() directly):
        # the worker's Web3 is pinned per round and the quote book compares before and after a read
        self._busy = threading.RLock()

    # -- life ---------------------------------------------------------------------------------------
    def start(self) -> ValuationEngine:
        with self.chain.lock:  # no block slips between the head we catch up to and the first we hear of
            self.chain.add_block_listener(self._on_block)
            self._queue.put((self.chain.head_number, "catch_up"))
        self._thread = threading.Thread(target=self._run, name="valuation", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self.chain.remove_block_listener(self._on_block)
        self._stop.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _on_block(self, block: Any, txs: Sequence[Any]) -> None:
        """On the miner's thread: queue and return. A block without any AnswerUpdated log is only counted
        (no feed can have moved), so blocks of other work cost the engine no query."""
        moved = any(log.topics[:1] == (ANSWER_UPDATED,) for tx in txs for log in tx.logs)
        self._queue.put((block.number, "moved" if moved else "quiet"))

    def wait_for(self, number: int, timeout: float = 30.0) -> bool:
        """Block until blocks up to `number` have been processed (for tests and the CLI)."""
        with self._cond:
            return bool(self._cond.wait_for(lambda: self._done >= number, timeout))

    def _run(self) -> None:
        next_poll = time.monotonic() + self.poll_s
        while not self._stop.is_set():
            try:
                item = self._queue.get(timeout=max(0.0, next_poll - time.monotonic()))
            except queue.Empty:
                item = None
            number = None if item is None else item[0]
            try:
                if item is not None and item[1] == "moved":
                    self.process_block(item[0])
                elif item is not None and item[1] == "catch_up":
                    self.catch_up(item[0])
                if time.monotonic() >= next_poll:
                    next_poll = time.monotonic() + self.poll_s
                    self.poll()
            except Exception:  # a bad round must not end the worker; the next block tries again
                log.exception("valuation round failed")
            finally:
                if number is not None:
                    with self._cond:
                        self._done = max(self._done, number)
                        self._cond.notify_all()

    # -- rounds -------------------------------------------------------------------------------------
    def block_ref(self, number: int) -> BlockRef:
        return BlockRef(number, datetime.fromtimestamp(self.chain.header(number).timestamp, UTC))

    @_exclusive
    def process_block(self, number: int) -> set[int]:
        with self.sessions() as session:
            specs = all_specs(session)
        local = {s.address: s.pair for s in specs.values() if s.network == "local"}
        if not local:
            return set()
        self.web3s.pin(number)
        changed = {local[a] for a in chainio.updated(self.web3s, number, number, local) if a in local}
        return self.run_round(self.block_ref(number), changed, specs) if changed else set()

    @_exclusive
    def catch_up(self, head: int) -> set[int]:
        """Blocks mined while no engine ran (a restart, a CLI without one): feeds whose AnswerUpdated
        appeared after the newest valuation are read at the head and their assets revalued there once.
        (Those blocks get no valuation of their own: the history resumes at the head.)"""
        with self.sessions() as session:
            specs = all_specs(session)
            last = session.scalar(
                select(func.max(Valuation.block_number)).where(Valuation.feed_pair.is_not(None))
            )
        local = {s.address: s.pair for s in specs.values() if s.network == "local"}
        start = 0 if last is None else last + 1
        if not local or start > head:
            return set()
        self.web3s.pin(head)
        changed = {local[a] for a in chainio.updated(self.web3s, start, head, local) if a in local}
        return self.run_round(self.block_ref(head), changed, specs) if changed else set()

    @_exclusive
    def poll(self) -> set[int]:
        """Every poll_s, every feed: on other networks a new (feed, round) is a round; and any feed whose
        freshness flipped since the last look (a feed that stops updating goes stale without a single log)
        revalues its assets, marked, and shows in the availability metric and a feed_stale alert."""
        with self.sessions() as session:
            specs = all_specs(session)
            if not specs:
                return set()
            head = self.block_ref(self.chain.head_number)
            # our chain's clock (evm_increaseTime included) runs on between blocks: staleness is judged on it
            # whole seconds, as block times: the next block's time is never before this round's
            now = max(head.time, datetime.fromtimestamp(int(time.time()) + self.chain.time_offset, UTC))
            self.web3s.pin(head.number)
            before = {p: (self.book.seen.get(p), self.book.fresh.get(p)) for p in specs}
            wall = utcnow()  # other networks' feeds are judged on real time
            quotes = {
                p: q
                for p, spec in specs.items()
                if (q := self.book.read(session, spec, now if spec.network == "local" else wall)) is not None
            }
        changed = set()
        for pair, spec in specs.items():
            seen, fresh = before[pair]
            flipped = fresh is not None and self.book.fresh.get(pair) != fresh
            moved = spec.network != "local" and self.book.seen.get(pair) != seen
            if flipped or moved:
                changed.add(pair)
        return self.run_round(BlockRef(head.number, now), changed, specs, quotes) if changed else set()

    def run_round(
        self,
        ref: BlockRef,
        changed: set[str] | None,
        specs: Mapping[str, FeedSpec],
        quotes: Mapping[str, PriceQuote] | None = None,
    ) -> set[int]:
        started = time.perf_counter()
        self.web3s.pin(ref.number)
        with self.sessions() as session:
            affected = Affected(specs, changed)
            rules = [narrowed for r in load_rules(session) if (narrowed := r.only(affected(r)))]
            needed = needed_pairs(rules, specs)
            got = self.book.read_all(session, specs, needed, ref.time, quotes or {})
        rows = build_rows(rules, got, specs.keys(), block_number=ref.number, block_time=ref.time)
        assets = {row["asset_id"] for row in rows}
        with self.sessions.begin() as session:
            store(session, rows)
            self.alarms.observe(session, needed, got, ref.number)
            run_listeners(session, assets, ref.number)
        self.rounds += 1
        VALUATIONS_STORED.inc(len(rows))
        VALUATION_ROUND_SECONDS.observe(time.perf_counter() - started)
        return assets

    def health(self, pair: str) -> dict[str, Any] | None:
        return self.book.health(pair)

    def value_now(self, session: Session, rule: Rule) -> list[dict[str, Any]]:
        """A new rule's first valuation rows at the chain's head (a request's thread: Web3s of its own)."""
        web3s = chainio.PinnedWeb3s(self.dispatch, self.remote)
        head = self.chain.head_number
        web3s.pin(head)
        book = QuoteBook(chainio.reader(web3s), self.book.availability, shared=self.book)
        specs = all_specs(session)
        ref = self.block_ref(head)
        got = book.read_all(session, specs, needed_pairs([rule], specs), ref.time, {})
        return build_rows([rule], got, specs.keys(), block_number=head, block_time=ref.time)


__all__ = ["ROUND_LISTENERS", "BlockRef", "ValuationEngine"]
