"""Transactions sent from an impersonated address (``anvil_impersonateAccount``): no key, yet executed,
mined, stored, read back and replayed like any other.

anvil gives such a transaction a fake signature and keeps the sender beside it. Here the fake signature
*names* the sender: ``r`` is the sender's address as an integer, ``s`` is 1, the parity 0 (a real
signature never has ``s = 1`` with an ``r`` below 2**160). The transaction encodes, hashes and roots like
any typed transaction; only its sender comes from ``r`` instead of from signature recovery. Because ``r``
holds the sender, two impersonated senders never share a hash (anvil mixes the sender into its hash for
the same reason).

The seam: :class:`Impersonated` wraps the fake-signed py-evm transaction and answers ``sender`` (and a
no-op signature check) itself, forwarding everything else; py-evm's executor, receipts and block
building only ever ask a transaction for those through its attributes. Recognising the form is
done only for transactions *we* stored with that sender (:func:`as_stored`), never for a raw transaction
a client submits: a forged ``r``/``s`` can never make anyone's address the sender."""

from __future__ import annotations

from typing import Any

from eth.vm.forks.prague import PragueVM
from eth_utils.exceptions import ValidationError

FAKE_S = 1


class Impersonated:
    """A fake-signed transaction whose sender is the one its ``r`` names."""

    __slots__ = ("_tx", "sender")
    impersonated = True  # txvalidation lets an impersonated contract send (EIP-3607 off, as on anvil)

    def __init__(self, tx: Any, sender: bytes) -> None:
        object.__setattr__(self, "_tx", tx)
        object.__setattr__(self, "sender", sender)

    def get_sender(self) -> bytes:
        return bytes(self.sender)

    def check_signature_validity(self) -> None:
        """No signature to check: the node's own impersonation list let this sender in."""

    def validate(self) -> None:
        if self._tx.type_id is not None:
            self._tx.validate()  # fields and fee rules: a typed transaction's checks recover no key
        elif self._tx.gas < self._tx.intrinsic_gas:  # a legacy one's end in a signature check: skip it
            raise ValidationError("Insufficient gas")

    def __copy__(self) -> Impersonated:
        return self  # immutable, like the transaction it wraps

    def __deepcopy__(self, memo: dict[int, Any]) -> Impersonated:
        return self

    def copy(self, **changes: Any) -> Impersonated:
        return Impersonated(self._tx.copy(**changes), self.sender)

    def __getattr__(self, name: str) -> Any:
        if name in self.__slots__:  # not set yet (pickling builds an instance without __init__)
            raise AttributeError(name)
        return getattr(self._tx, name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Impersonated) and other.hash == self.hash

    def __hash__(self) -> int:
        return hash(bytes(self._tx.hash))


def build(fields: dict[str, Any], sender: bytes, chain_id: int) -> Impersonated:
    """An impersonated transaction from eth_sendTransaction's filled-in fields (as for signing: nonce, gas,
    value, data, to, and gasPrice or the EIP-1559 fee caps, accessList)."""
    builder: Any = PragueVM.get_transaction_builder()  # Prague's: the typed constructors are not on the ABC
    r = int.from_bytes(sender, "big")
    to = fields.get("to", b"")
    access_list = [
        (
            bytes.fromhex(item["address"][2:]),
            tuple(int(k, 16) for k in item.get("storageKeys") or ()),
        )
        for item in fields.get("accessList") or ()
    ]
    common = {"nonce": fields["nonce"], "gas": fields["gas"], "to": to, "value": fields["value"]}
    if "gasPrice" in fields and not access_list:
        v = chain_id * 2 + 35  # EIP-155 parity 0
        tx = builder.new_transaction(
            gas_price=fields["gasPrice"], data=fields["data"], v=v, r=r, s=FAKE_S, **common
        )
    elif "gasPrice" in fields:
        tx = builder.new_access_list_transaction(
            chain_id=chain_id,
            gas_price=fields["gasPrice"],
            data=fields["data"],
            access_list=access_list,
            y_parity=0,
            r=r,
            s=FAKE_S,
            **common,
        )
    else:
        tx = builder.new_dynamic_fee_transaction(
            chain_id=chain_id,
            max_priority_fee_per_gas=fields["maxPriorityFeePerGas"],
            max_fee_per_gas=fields["maxFeePerGas"],
            data=fields["data"],
            access_list=access_list,
            y_parity=0,
            r=r,
            s=FAKE_S,
            **common,
        )
    return Impersonated(tx, sender)


def decode_stored(raw: bytes, sender: bytes) -> Any:
    """A transaction of one of our blocks, from its raw bytes and the sender stored beside it."""
    return as_stored(PragueVM.get_transaction_builder().decode(raw), sender)


def as_stored(tx: Any, sender: bytes) -> Any:
    """A transaction read back from our own store, with the sender recorded beside it: the impersonated
    wrapper when its fake signature names that sender, else ``tx`` itself."""
    if int(tx.s) == FAKE_S and int(tx.r) == int.from_bytes(sender, "big"):
        return Impersonated(tx, sender)
    return tx
