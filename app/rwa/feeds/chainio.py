"""What valuation asks of feeds, through `app.oracles` only (web3 stays there): Web3s pinned to a block,
the guarded reader, feed metadata with the registry's errors, the feeds whose answers changed, pushes."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from app.oracles import chainlink
from app.oracles import errors as oracle_errors
from app.oracles.provider import Dispatch, Networks, make_web3
from app.rwa.valuation.errors import BadFeedDecimals, InvalidFeed, NotAggregator


class PinnedWeb3s:
    """`web3_for` whose local Web3 reads our chain as of one block (calls made without a block take web3's
    `default_block`), so a round reads every feed at the block it values, however far the miner has moved on.
    One instance per thread: pinning is state."""

    def __init__(self, dispatch: Dispatch | None, remote: Networks | None = None) -> None:
        self.local = make_web3("local", dispatch) if dispatch is not None else None
        self.remote = remote or Networks(None)

    @classmethod
    def over_http(cls, url: str) -> PinnedWeb3s:
        """Our chain as a running server answers it over JSON-RPC (the CLI beside a server)."""
        web3s = cls(None)
        web3s.local = make_web3(url)
        return web3s

    def pin(self, block: int | None) -> None:
        if self.local is not None:
            self.local.eth.default_block = "latest" if block is None else block

    def __call__(self, network: str) -> Any:
        if network == "local":
            if self.local is None:
                raise oracle_errors.FeedReverted("our chain is not available to this process")
            return self.local
        return self.remote(network)


def reader(web3s: PinnedWeb3s) -> chainlink.ChainlinkReader:
    return chainlink.ChainlinkReader(web3s)


def read_meta(web3s: PinnedWeb3s, network: str, address: str) -> chainlink.FeedMeta:
    """decimals and description as the feed answers them; refusals as the registry's 422 errors."""
    try:
        return chainlink.read_meta(web3s(network), address)
    except oracle_errors.BadDecimals as exc:
        raise BadFeedDecimals(str(exc)) from None
    except oracle_errors.NotAnAggregator as exc:
        raise NotAggregator(str(exc)) from None
    except (oracle_errors.OracleError, ValueError) as exc:
        raise InvalidFeed(f"the feed at {address} on {network} could not be read: {exc}") from None


def updated(web3s: PinnedWeb3s, from_block: int, to_block: int, addresses: Iterable[str]) -> set[str]:
    return chainlink.updated_feeds(web3s("local"), from_block, to_block, list(addresses))


def push(web3s: PinnedWeb3s, network: str, address: str, price: Decimal, sender: Any) -> int:
    try:
        return chainlink.push_answer(web3s(network), address, price, sender)
    except (ValueError, oracle_errors.OracleError) as exc:  # more places than the feed keeps, not the owner
        raise InvalidFeed(f"the price could not be pushed: {exc}") from None


def deploy(web3s: PinnedWeb3s, *, decimals: int, description: str, answer: Decimal, sender: Any) -> str:
    return chainlink.deploy_aggregator(
        web3s("local"), decimals=decimals, description=description, answer=answer, sender=sender
    )
