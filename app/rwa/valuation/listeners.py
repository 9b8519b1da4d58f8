"""ROUND_LISTENERS: what else happens in a valuation round's transaction (collateral ratios, alerts).

Each listener gets the session of the round's transaction, the ids of the assets revalued and the block
number. It runs in a savepoint of its own: one that fails is logged and undone, the valuations stay."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

ROUND_LISTENERS: list[Callable[[Session, set[int], int], None]] = []


def run_listeners(session: Session, assets: set[int], block: int) -> None:
    """Each listener in a savepoint of its own: one that fails is logged and undone, the valuations stay."""
    for listener in list(ROUND_LISTENERS):
        try:
            with session.begin_nested():
                listener(session, assets, block)
        except Exception:
            log.exception("round listener %r failed at block %s", listener, block)
