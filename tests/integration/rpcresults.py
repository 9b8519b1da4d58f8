"""Asking our node and anvil the same JSON-RPC question in the differential tests: the result, or a failed
assertion naming the method and the error answer."""

from __future__ import annotations

from typing import Any


def result(node: Any, method: str, *params: Any) -> Any:
    answer = node.rpc(method, *params)
    assert "result" in answer, (method, answer)
    return answer["result"]


def both(nodes: Any, method: str, *params: Any) -> list[Any]:
    return [result(node, method, *params) for node in nodes]


def latest(node: Any) -> dict[str, Any]:
    block: dict[str, Any] = result(node, "eth_getBlockByNumber", "latest", False)
    return block
