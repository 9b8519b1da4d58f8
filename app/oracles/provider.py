"""web3.py providers: our own chain in process, any other network over HTTP.

``InProcessProvider`` is a web3.py ``JSONBaseProvider`` like ``HTTPProvider``: web3's whole request stack
(middleware, request and result formatters, error handling) runs as for any node, and only the last step
differs: the encoded request is handed to a JSON-RPC dispatcher (``app.evm.rpc.dispatch.Rpc.handle``) on the
caller's thread instead of being posted over a socket. That is what makes it safe inside a block listener:
the listener runs on the thread that mined the block, holding the chain's (reentrant) lock, and every read
it makes runs on that same thread, so it never waits for a lock its own thread holds. Nothing here holds a
lock of its own while dispatching, so any number of threads may share one provider and one ``Web3``.

This module never imports ``app.evm``: the dispatcher is passed in (``app/main.py`` wires it).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, cast

from web3 import Web3
from web3._utils.caching.caching_utils import handle_request_caching
from web3.providers.base import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

Dispatch = Callable[[dict[str, Any]], dict[str, Any] | None]
LOCAL = "local"  # FeedSpec.network of our own chain
HTTP_TIMEOUT_S = 10.0
# web3's validation middleware asks eth_chainId before every eth_call (twice); a node's chain id never
# changes, so web3's own request cache answers it after the first time (nothing else is cached)
_CACHE_CHAIN_ID: dict[str, Any] = {
    "cache_allowed_requests": True,
    "cacheable_requests": {RPCEndpoint("eth_chainId")},
}


class InProcessProvider(JSONBaseProvider):
    """Hands each JSON-RPC request, encoded as web3 encodes it for a socket, to ``dispatch``."""

    def __init__(self, dispatch: Dispatch, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dispatch = dispatch

    def __repr__(self) -> str:
        return f"<InProcessProvider {getattr(self.dispatch, '__qualname__', self.dispatch)}>"

    @handle_request_caching
    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        return self._dispatch_one(json.loads(self.encode_rpc_request(method, params)))

    def make_batch_request(self, requests: list[tuple[RPCEndpoint, Any]]) -> list[RPCResponse]:
        batch = json.loads(self.encode_batch_rpc_request(requests))
        return [self._dispatch_one(req) for req in batch]

    def _dispatch_one(self, request: dict[str, Any]) -> RPCResponse:
        response = self.dispatch(request)
        if response is None:  # only notifications go unanswered, and web3 sends none
            raise RuntimeError(f"the dispatcher did not answer {request.get('method')}")
        return cast(RPCResponse, response)


def make_web3(network: str, dispatch: Dispatch | None = None) -> Web3:
    """A ``Web3`` for ``network``: ``"local"`` is our own chain through ``dispatch``, anything else an
    HTTP(S) JSON-RPC URL."""
    if network == LOCAL:
        if dispatch is None:
            raise ValueError("the local network needs our JSON-RPC dispatcher (app.evm.rpc.dispatch.Rpc)")
        return Web3(InProcessProvider(dispatch, **_CACHE_CHAIN_ID))
    if not network.startswith(("http://", "https://")):
        raise ValueError(f"network must be 'local' or an http(s) JSON-RPC URL, not {network!r}")
    return Web3(Web3.HTTPProvider(network, request_kwargs={"timeout": HTTP_TIMEOUT_S}, **_CACHE_CHAIN_ID))


class Networks:
    """``web3_for`` for ``ChainlinkReader``: one ``Web3`` per network, made on first use and shared by every
    thread (a provider holds no per-request state)."""

    def __init__(self, dispatch: Dispatch | None = None) -> None:
        self.dispatch = dispatch
        self._web3: dict[str, Web3] = {}
        self._lock = threading.Lock()

    def __call__(self, network: str) -> Web3:
        w3 = self._web3.get(network)
        if w3 is None:
            with self._lock:  # never held while a request runs: making a Web3 sends nothing
                w3 = self._web3.get(network) or make_web3(network, self.dispatch)
                self._web3[network] = w3
        return w3
