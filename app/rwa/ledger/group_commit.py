"""Group commit for single transfers: many callers, one transaction and one commit per group.

A transfer on its own pays for a whole transaction: a dozen round trips to the database, the audit log's
lock held until the commit (so all writers of the log queue there), and the commit's flush to disk; the
transfer's own work is a small part of it. `TransferCommitter` lets concurrent callers share that cost.
Each caller hands its transfer to a queue and waits; a writer thread takes everything waiting (up to
`max_group`), settles it with `settlement.transfer_each` in one transaction (each transfer checked on its own,
after the ones before it, and refused alone; one movement and one audit entry per accepted transfer),
commits once, and only then hands each caller its own movement or error.

So a caller's answer always follows the commit that holds its transfer; a crash before that commit loses
the whole group and writes none of it (a caller that got no answer cannot assume either outcome, as with
any lost connection). If the group's transaction fails (the database went away, a conflict), every caller
of the group gets TransferNotCommitted and nothing of the group is written.

The writer waits up to `linger` (2 ms) for the callers its last group answered (they mostly come straight
back) and those who queued during that commit; without it, groups split into two halves that alternate,
each paying a commit. A lone caller (last group of one, nobody queued) never waits.

`writers` > 1 runs that many writers (PostgreSQL): a group then prepares while the one before it commits,
and waits for it only at the rows both touch and at the audit log's lock."""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from app.rwa.errors import RwaError, TransferNotCommitted
from app.rwa.ledger.movements import MovementView
from app.rwa.ledger.settlement import TransferRequest, transfer_each
from app.rwa.registry import keys
from app.rwa.registry.access import Principal

__all__ = ["KeyedTransfer", "TransferCommitter", "TransferRequest"]


@dataclass(frozen=True, slots=True)
class KeyedTransfer:
    """A transfer asked for with an API key not yet checked (the REST route's case): the group
    authenticates every key it carries in one statement, in its own transaction, and then settles the
    transfer as that key's principal (its actor, its permissions); a bad key fails this transfer alone."""

    token: str | None
    symbol: str
    sender: str
    receiver: str
    units: int


_Pending = tuple[TransferRequest | KeyedTransfer, "Future[MovementView]"]
_STOP = None


class TransferCommitter:
    """Settles single transfers from many threads in shared transactions (see the module docstring).

    `sessions` must not be starved by the callers: give it an engine of its own, with a pool of at least
    `writers` connections."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        max_group: int = 500,
        writers: int = 1,
        linger: float = 0.002,
    ) -> None:
        if max_group < 1 or writers < 1 or linger < 0:
            raise ValueError("max_group and writers must be at least 1, linger at least 0")
        self._sessions = sessions
        self._max_group = max_group
        self._linger = linger
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._closed = False
        self._guard = threading.Lock()
        self.groups = 0  # committed or failed groups, and the transfers they carried (mean group size)
        self.transfers = 0
        self._threads = [
            threading.Thread(target=self._run, name=f"transfer-committer-{n}", daemon=True)
            for n in range(writers)
        ]
        for t in self._threads:
            t.start()

    def submit(self, request: TransferRequest | KeyedTransfer) -> Future[MovementView]:
        """Queue a transfer; the future resolves after the commit that holds it (or fails with its error)."""
        future: Future[MovementView] = Future()
        with self._guard:
            if self._closed:
                raise RuntimeError("the transfer committer is closed")
            self._queue.put((request, future))
        return future

    def transfer(
        self,
        *,
        actor: str,
        symbol: str,
        sender: str,
        receiver: str,
        units: int,
        principal: Principal | None = None,
    ) -> MovementView:
        """`transfers.transfer`, committed: returns the movement once it is durable, or raises its error.
        With `principal`, also refused (PermissionDenied) if that key may not make this transfer."""
        request = TransferRequest(actor, symbol, sender, receiver, units, principal)
        return self.submit(request).result()

    def close(self) -> None:
        """Settle what is queued, then stop the writers."""
        with self._guard:
            if self._closed:
                return
            self._closed = True
            for _ in self._threads:
                self._queue.put(_STOP)
        for t in self._threads:
            t.join()

    def __enter__(self) -> TransferCommitter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _run(self) -> None:
        expect = 1  # the size the next group can expect to reach within `linger`
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            group, stop = [first], False
            deadline = time.monotonic() + self._linger
            while len(group) < self._max_group:
                wait = deadline - time.monotonic() if len(group) < expect else 0
                try:
                    item = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                group.append(item)
            live = [p for p in group if p[1].set_running_or_notify_cancel()]
            self._commit(live)
            # the callers just answered, and those who queued meanwhile, make the next group: waiting for
            # both keeps two halves from alternating, each half paying a commit of its own
            expect = len(live) + self._queue.qsize()
            if stop:
                return

    def _commit(self, group: list[_Pending]) -> None:
        if not group:
            return
        with self._guard:
            self.groups += 1
            self.transfers += len(group)
        try:
            with self._sessions.begin() as session:
                outcomes = _settle(session, [request for request, _ in group])
        except BaseException as exc:  # every caller is told; the writer lives on (unless it must stop)
            for _, future in group:
                error = TransferNotCommitted(exc)
                error.__cause__ = exc
                future.set_exception(error)
            if not isinstance(exc, Exception):
                raise
            return
        for (_, future), outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


def _settle(
    session: Session, requests: list[TransferRequest | KeyedTransfer]
) -> list[MovementView | RwaError]:
    """`transfer_each`, after authenticating the keyed requests (one statement for all of them)."""
    keyed = [r for r in requests if isinstance(r, KeyedTransfer)]
    who = iter(keys.authenticate_all(session, [r.token for r in keyed]) if keyed else ())
    outcomes: list[MovementView | RwaError | None] = []
    todo: list[TransferRequest] = []
    for r in requests:
        if isinstance(r, TransferRequest):
            todo.append(r)
            outcomes.append(None)
            continue
        principal = next(who)
        if isinstance(principal, RwaError):
            outcomes.append(principal)
            continue
        todo.append(TransferRequest(principal.actor, r.symbol, r.sender, r.receiver, r.units, principal))
        outcomes.append(None)
    settled = iter(transfer_each(session, todo) if todo else ())
    return [o if o is not None else next(settled) for o in outcomes]
