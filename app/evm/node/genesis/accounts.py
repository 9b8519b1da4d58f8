"""Dev accounts: the anvil/Hardhat mnemonic's first N keys, derived once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from eth_account import Account
from eth_account.signers.local import LocalAccount

Account.enable_unaudited_hdwallet_features()


@dataclass(frozen=True, slots=True)
class DevAccount:
    address: bytes
    account: LocalAccount


@lru_cache(maxsize=4)
def dev_accounts(mnemonic: str, count: int) -> tuple[DevAccount, ...]:
    out = []
    for i in range(count):
        acct = Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{i}")
        out.append(DevAccount(bytes.fromhex(acct.address[2:]), acct))
    return tuple(out)
