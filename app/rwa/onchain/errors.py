"""Errors of the on-chain mode (registry errors; each sets its code, app/api/errors.py maps its kind).

OnchainError (RwaError)
  + AssetTokenized             (conflict) the asset's book is its token: a registry-side write is refused,
                               with the on-chain route to use instead
  + NotTokenized (NotFound)    (not_found) an on-chain action on an asset still in registry mode
  + RuleNotExpressible (InvalidInput) (invalid) an asset rule the T-REX suite cannot enforce: nothing deployed
  + TokenizeRefused (InvalidInput)    (invalid) a holder the token could not take (unverified, denied country,
                               over a limit): nothing deployed
  + IndexingRefused (app.evm's InvalidTransaction: JSON-RPC -32000) an event the registry cannot
                               follow (a wallet it does not know): the block is rolled back, so the chain
                               and the registry never part
"""

from __future__ import annotations

from app.errors import Kind
from app.evm.errors import InvalidTransaction
from app.rwa.errors import InvalidInput, NotFound, RwaError


class OnchainError(RwaError):
    pass


class AssetTokenized(OnchainError):
    kind = Kind.CONFLICT
    code = "ASSET_TOKENIZED"

    def __init__(self, symbol: str, action: str) -> None:
        super().__init__(
            f"{symbol} is tokenized: its token on our chain is the book of record, so the registry does not "
            f"{action}. Holders transfer with their own signed transactions over JSON-RPC (POST /rpc, "
            f"eth_sendRawTransaction to the token's transfer); agents use the freeze, forced-transfer, "
            f"recovery, issue, redeem and status routes, which the operator signs on-chain"
        )
        self.symbol = symbol


class NotTokenized(OnchainError, NotFound):
    code = "NOT_TOKENIZED"

    def __init__(self, symbol: str) -> None:
        super().__init__(f"{symbol} is not tokenized")


class RuleNotExpressible(OnchainError, InvalidInput):
    code = "RULE_NOT_EXPRESSIBLE"

    def __init__(self, rule: str, why: str) -> None:
        super().__init__(f"rule {rule} cannot be enforced by the token: {why}; nothing was deployed")
        self.rule = rule


class TokenizeRefused(OnchainError, InvalidInput):
    code = "TOKENIZE_REFUSED"


class IndexingRefused(OnchainError, InvalidTransaction):
    """Also the chain's ``InvalidTransaction``: the sender of the raw transaction gets a JSON-RPC error
    (-32000) saying why, and nothing of the block stays."""

    def __init__(self, message: str) -> None:
        super().__init__(f"transaction refused: {message}")
