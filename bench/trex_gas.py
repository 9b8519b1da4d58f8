"""Gas of an ERC-3643 transfer on our chain and on anvil, in ONE run, beside a plain ERC-20 transfer.

On our chain (SQLite, in process) the script deploys Tokeny's T-REX platform with the operator key
(app/rwa/tokenization: 25 transactions), three investors' ONCHAINIDs with KYC claims, two T-REX tokens
(one without compliance modules, one with all six: CountryAllow, CountryRestrict, MaxBalance, and our
MaxHolders, MinimumTransfer, LockUp), mints, and the committed AuriToken (OpenZeppelin ERC-20); then each
holder signs its own transfer to a fresh receiver. Every transaction is a signed raw transaction (chain id
31337, anvil's dev keys), so anvil 1.7.1 (`--hardfork prague`, started on a free port) gets the very same
bytes, block by block, and builds the same suite at the same addresses. The script compares status and
gasUsed of EVERY transaction on both nodes and prints the three transfers; exit status 1 on any difference.

    .venv/bin/python bench/trex_gas.py [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from eth_account.signers.local import LocalAccount
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.evm.contracts import abi as abimod  # noqa: E402
from app.evm.contracts.compiler import BUILD_DIR  # noqa: E402
from app.evm.node.chain import Chain  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.rwa.audit.chain import attach  # noqa: E402
from app.rwa.models import Identity  # noqa: E402
from app.rwa.tokenization import agent, artifacts, identities, tokens  # noqa: E402
from app.rwa.tokenization import modules as m  # noqa: E402
from app.rwa.tokenization.identities import KycSubject  # noqa: E402
from app.rwa.tokenization.operator import open_operator  # noqa: E402
from app.rwa.tokenization.platform import deploy_platform  # noqa: E402
from tests.anvilproc import AnvilProcess  # noqa: E402

DE, FR = 276, 250


def send_raw(chain: Chain, acct: LocalAccount, to: bytes | None, data: bytes, gas: int = 3_000_000) -> Any:
    """A holder's own signed transaction on our chain; returns its record."""
    tx: dict[str, Any] = {
        "chainId": chain.chain_id,
        "nonce": chain.pending_nonce(bytes.fromhex(acct.address[2:])),
        "value": 0,
        "data": data,
        "gas": gas,
        "maxPriorityFeePerGas": 10**9,
        "maxFeePerGas": 2 * chain.next_base_fee() + 10**9,
    }
    if to is not None:
        tx["to"] = to
    rec = chain.transaction(chain.send_raw_transaction(bytes(acct.sign_transaction(tx).raw_transaction)))
    assert rec is not None and rec.status, f"transaction failed on our chain: {rec}"
    return rec


def call_data(abi: list[dict[str, Any]], fn: str, *args: Any) -> bytes:
    return abimod.find_function(abi, fn, list(args)).encode_call(list(args))


def build_on_ours(url: str) -> tuple[Chain, dict[str, bytes], dict[str, float]]:
    """Everything on our chain; returns the chain, the transfers' hashes and timings."""
    chain = Chain(make_engine(url), Settings(database_url=url))
    op = open_operator(chain, attach(chain), chain.settings)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    platform = deploy_platform(op)
    timings["platform (25 txs)"] = time.perf_counter() - t
    accts = [a.account for a in chain.accounts]
    alice, bob, carol = accts[1], accts[2], accts[3]
    t = time.perf_counter()
    ids = {}
    for n, acct in enumerate((alice, bob, carol), start=1):
        with chain.engine.begin() as conn:
            conn.execute(
                insert(Identity).values(
                    id=n, reference=f"bench-{n}", label=f"investor {n}", country=DE, category="retail",
                    kyc_status="verified", created_at=datetime.now(UTC),
                )
            )  # fmt: skip
        expires = datetime.now(UTC) + timedelta(days=365)
        subject = KycSubject(n, DE, "verified", expires, acct.address.lower())
        ids[acct.address] = identities.ensure_identity(op, platform, subject)
    timings["3 ONCHAINIDs with KYC claims"] = time.perf_counter() - t
    six = [
        m.country_allow([DE]),
        m.country_restrict([FR]),
        m.max_balance(10**12),
        m.max_holders(100),
        m.minimum_transfer(1),
        m.lock_up(datetime(2020, 1, 1, tzinfo=UTC)),
    ]
    suites = {}
    for label, symbol, configs in (("bare", "TBARE", []), ("six", "TSIX", six)):
        t = time.perf_counter()
        suite = tokens.deploy_token(op, platform, tokens.TokenSpec(f"T-REX {label}", symbol, 0), configs)
        for acct in (alice, bob, carol):
            identities.register_wallet(
                op, suite.identity_registry, acct.address.lower(), ids[acct.address], DE
            )
        agent.mint(op, suite.token, alice.address.lower(), 1_000_000)
        timings[f"token {symbol} (suite + 3 wallets + mint)"] = time.perf_counter() - t
        suites[label] = suite
    token_abi = artifacts.abi("Token")
    hashes = {}
    for label, to in (("bare", bob), ("six", carol)):
        data = call_data(token_abi, "transfer", to.address.lower(), 1_000)
        hashes[f"T-REX transfer ({label})"] = send_raw(chain, alice, _b(suites[label].token), data).hash
    erc20 = json.loads((BUILD_DIR / "AuriToken.json").read_text())
    owner, receiver = accts[4], accts[5]
    ctor = abimod.encode_args(
        abimod.constructor_inputs(erc20["abi"]), ["Plain", "PLN", 10**24], "constructor"
    )
    deployed = send_raw(chain, owner, None, bytes.fromhex(erc20["bytecode"][2:]) + ctor)
    data = call_data(erc20["abi"], "transfer", receiver.address.lower(), 1_000)
    hashes["ERC-20 transfer (OpenZeppelin)"] = send_raw(chain, owner, deployed.contract_address, data).hash
    return chain, hashes, timings


def replay_on_anvil(chain: Chain, anvil: AnvilProcess) -> tuple[dict[bytes, tuple[int, int]], list[str]]:
    """Send our chain's transactions to anvil in block order; returns (status, gasUsed) per hash there and
    every difference from ours."""
    client = httpx.Client(timeout=60)

    def rpc(method: str, *params: Any) -> Any:
        out = client.post(
            anvil.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        )
        body = out.json()
        if "error" in body:
            raise RuntimeError(f"anvil {method}: {body['error']}")
        return body["result"]

    theirs: dict[bytes, tuple[int, int]] = {}
    diffs = []
    for number in range(1, chain.head.block_number + 1):
        _block, txs = chain.block_rows(number)
        for tx in txs:
            sent = rpc("eth_sendRawTransaction", "0x" + tx.raw.hex())
            receipt = None
            for _ in range(200):  # anvil may answer the receipt a moment after it mined the block
                if (receipt := rpc("eth_getTransactionReceipt", sent)) is not None:
                    break
                time.sleep(0.01)
            if receipt is None:
                raise RuntimeError(f"anvil did not mine block {number}'s 0x{tx.hash.hex()}")
            got = (int(receipt["status"], 16), int(receipt["gasUsed"], 16))
            theirs[tx.hash] = got
            if got != (int(tx.status), tx.gas_used):
                diffs.append(
                    f"0x{tx.hash.hex()}: ours status={int(tx.status)} gas={tx.gas_used}, anvil {got}"
                )
    client.close()
    return theirs, diffs


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trex-gas-") as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        chain, hashes, timings = build_on_ours(url)
        ours = {label: _gas(chain, h) for label, h in hashes.items()}
        anvil = AnvilProcess(Path(tmp) / "anvil.log").start()
        try:
            t = time.perf_counter()
            theirs, diffs = replay_on_anvil(chain, anvil)
            replay = time.perf_counter() - t
        finally:
            anvil.stop()
            chain.close()
    print(
        f"{len(theirs)} transactions, the same bytes on both nodes: {len(diffs)} differ in status or gasUsed"
    )
    for d in diffs:
        print("  DIFF", d)
    print(f"\n{'gas used':32} {'ours':>10} {'anvil':>10}")
    for label, h in hashes.items():
        print(f"{label:32} {ours[label]:>10,} {theirs[h][1]:>10,}")
    print()
    for what, seconds in timings.items():
        print(f"our chain: {what:42} {seconds:6.2f} s")
    print(f"anvil: the {len(theirs)} transactions replayed in {replay:.2f} s")
    if args.json:
        gas = {label: {"ours": ours[label], "anvil": theirs[h][1]} for label, h in hashes.items()}
        args.json.write_text(json.dumps({"gas": gas, "timings_s": timings, "differences": diffs}, indent=1))
    return 1 if diffs else 0


def _gas(chain: Chain, tx_hash: bytes) -> int:
    rec = chain.transaction(tx_hash)
    assert rec is not None
    return rec.gas_used


def _b(address: str) -> bytes:
    return bytes.fromhex(address[2:])


if __name__ == "__main__":
    sys.exit(main())
