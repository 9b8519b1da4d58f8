"""The chain's genesis: the dev defaults or a geth-format genesis file (``opening``: resolve, open, verify and
remember it; ``file``: parse the file) and the dev accounts it funds (``accounts``)."""

from app.evm.node.genesis.file import Genesis
from app.evm.node.genesis.opening import open_chain, remember, resolve, verify

__all__ = ["Genesis", "open_chain", "remember", "resolve", "verify"]
