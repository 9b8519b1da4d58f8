"""T-REX's suite, unchanged, on our chain: tokens with each compliance module, holders transferring with
their own signed raw transactions through web3.py over our JSON-RPC, and every refusal the suite's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3.exceptions import ContractLogicError

from app.rwa.tokenization import agent, artifacts, identities, tokens
from app.rwa.tokenization import modules as m
from app.rwa.tokenization.errors import ChainTxReverted
from app.rwa.tokenization.tokens import TokenSpec, TokenSuite
from tests.tokenization.conftest import World

DE, FR, US = 276, 250, 840


class Holders:
    def __init__(self, world: World) -> None:
        self.alice, self.alice_id = world.investor(1, DE)
        self.bob, self.bob_id = world.investor(2, FR)
        self.carol, self.carol_id = world.investor(3, US)
        self.dave, self.dave_id = world.investor(4, DE, kyc="pending")  # no KYC claim
        self.erin, self.erin_id = world.investor(5, DE)
        self.frank, self.frank_id = world.investor(6, DE)
        self.countries = {
            self.alice: DE,
            self.bob: FR,
            self.carol: US,
            self.dave: DE,
            self.erin: DE,
            self.frank: DE,
        }
        self.ids = {
            self.alice: self.alice_id,
            self.bob: self.bob_id,
            self.carol: self.carol_id,
            self.dave: self.dave_id,
            self.erin: self.erin_id,
            self.frank: self.frank_id,
        }

    def register_all(self, world: World, suite: TokenSuite) -> None:
        for acct, country in self.countries.items():
            identities.register_wallet(world.op, suite.identity_registry, _a(acct), self.ids[acct], country)


@pytest.fixture(scope="module")
def holders(world: World) -> Holders:
    return Holders(world)


@pytest.fixture(scope="module")
def allow(world: World, holders: Holders) -> TokenSuite:
    """DE and FR allowed, at most 1,000 per identity, transfers of at least 10, at most 3 holders."""
    configs = [m.country_allow([DE, FR]), m.max_balance(1_000), m.minimum_transfer(10), m.max_holders(3)]
    suite = tokens.deploy_token(world.op, world.platform, TokenSpec("Allowed Gold", "AGLD", 2), configs)
    holders.register_all(world, suite)
    return suite


@pytest.fixture(scope="module")
def restrict(world: World, holders: Holders) -> TokenSuite:
    """France denied; transfers between holders locked up for a day."""
    until = datetime.now(UTC) + timedelta(days=1)
    configs = [m.country_restrict([FR]), m.lock_up(until)]
    suite = tokens.deploy_token(world.op, world.platform, TokenSpec("Locked Silver", "LSLV", 0), configs)
    holders.register_all(world, suite)
    return suite


def _a(acct: LocalAccount) -> str:
    return acct.address.lower()


def send(world: World, acct: LocalAccount, token: str, function: str, *args: Any) -> dict[str, Any]:
    """The holder signs the call itself and sends the raw transaction through web3.py (gas set, so a
    reverting transfer is mined with status 0 as from a wallet that skips estimation)."""
    w3 = world.w3
    contract = w3.eth.contract(address=w3.to_checksum_address(token), abi=artifacts.abi("Token"))
    tx = getattr(contract.functions, function)(*args).build_transaction(
        {"from": acct.address, "nonce": w3.eth.get_transaction_count(acct.address), "gas": 500_000}
    )
    raw = acct.sign_transaction(tx).raw_transaction
    return dict(w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(raw)))


def reason(world: World, acct: LocalAccount, token: str, to: LocalAccount, amount: int) -> str:
    """What eth_call of transfer answers (web3.py raises the revert reason)."""
    w3 = world.w3
    contract = w3.eth.contract(address=w3.to_checksum_address(token), abi=artifacts.abi("Token"))
    with pytest.raises(ContractLogicError) as exc:
        contract.functions.transfer(to.address, amount).call({"from": acct.address})
    return str(exc.value)


def balance(world: World, token: str, acct: LocalAccount) -> int:
    return agent.balance_of(world.op, token, _a(acct))


def test_each_module_is_bound_and_configured(world: World, allow: TokenSuite, restrict: TokenSuite) -> None:
    op, mc = world.op, artifacts.abi("ModularCompliance")
    bound = {str(a).lower() for a in op.call(allow.compliance, mc, "getModules")}
    assert bound == {
        world.platform.modules[n]
        for n in ("CountryAllowModule", "MaxBalanceModule", "MinimumTransferModule", "MaxHoldersModule")
    }
    bound = {str(a).lower() for a in op.call(restrict.compliance, mc, "getModules")}
    assert bound == {world.platform.modules["CountryRestrictModule"], world.platform.modules["LockUpModule"]}
    mods = world.platform.modules
    assert op.call(
        mods["CountryAllowModule"],
        artifacts.abi("CountryAllowModule"),
        "isCountryAllowed",
        [allow.compliance, FR],
    )
    assert not op.call(
        mods["CountryAllowModule"],
        artifacts.abi("CountryAllowModule"),
        "isCountryAllowed",
        [allow.compliance, US],
    )
    assert (
        op.call(
            mods["MinimumTransferModule"],
            artifacts.abi("MinimumTransferModule"),
            "minimumTransfer",
            [allow.compliance],
        )
        == 10
    )
    assert (
        op.call(mods["MaxHoldersModule"], artifacts.abi("MaxHoldersModule"), "maxHolders", [allow.compliance])
        == 3
    )
    token = artifacts.abi("Token")
    assert op.call(allow.token, token, "name") == "Allowed Gold"
    assert op.call(allow.token, token, "decimals") == 2
    assert str(op.call(allow.token, token, "owner")).lower() == op.address
    assert tokens.find_token(op, world.platform, "AGLD") == allow.token


def test_verified_wallet_receives_a_mint_and_transfers_with_a_signed_raw_transaction(
    world: World, holders: Holders, allow: TokenSuite
) -> None:
    receipt = agent.mint(world.op, allow.token, _a(holders.alice), 500)
    assert receipt.status and receipt.event("Transfer")["value"] == 500
    out = send(world, holders.alice, allow.token, "transfer", holders.bob.address, 120)
    assert out["status"] == 1
    assert balance(world, allow.token, holders.alice) == 380
    assert balance(world, allow.token, holders.bob) == 120


def test_refusals_carry_the_suites_reason(world: World, holders: Holders, allow: TokenSuite) -> None:
    alice = holders.alice
    before = balance(world, allow.token, alice)
    # unverified receiver (KYC pending: no claim), denied country (US not allowed), under the minimum
    for to, amount in ((holders.dave, 20), (holders.carol, 20), (holders.bob, 9)):
        assert "Transfer not possible" in reason(world, alice, allow.token, to, amount)
        assert send(world, alice, allow.token, "transfer", to.address, amount)["status"] == 0
    assert balance(world, allow.token, alice) == before
    # over the max balance per identity: alice gets to 980 of 1,000
    agent.mint(world.op, allow.token, _a(alice), 1_000 - 20 - before)
    assert "Transfer not possible" in reason(world, holders.bob, allow.token, alice, 30)
    with pytest.raises(ChainTxReverted, match="Compliance not followed"):
        agent.mint(world.op, allow.token, _a(holders.bob), 1_000)
    with pytest.raises(ChainTxReverted, match="Identity is not verified"):
        agent.mint(world.op, allow.token, _a(holders.dave), 10)


def test_max_holders_counts_identities(world: World, holders: Holders, allow: TokenSuite) -> None:
    # alice and bob hold; erin makes three, frank would be the fourth
    agent.mint(world.op, allow.token, _a(holders.erin), 50)
    assert "Transfer not possible" in reason(world, holders.alice, allow.token, holders.frank, 20)
    with pytest.raises(ChainTxReverted, match="Compliance not followed"):
        agent.mint(world.op, allow.token, _a(holders.frank), 10)
    # erin leaves entirely: frank may take her place
    assert send(world, holders.erin, allow.token, "transfer", holders.bob.address, 50)["status"] == 1
    assert send(world, holders.alice, allow.token, "transfer", holders.frank.address, 20)["status"] == 1


def test_country_restriction_and_lock_up(world: World, holders: Holders, restrict: TokenSuite) -> None:
    agent.mint(world.op, restrict.token, _a(holders.alice), 100)  # mints are not locked up
    with pytest.raises(ChainTxReverted, match="Compliance not followed"):
        agent.mint(world.op, restrict.token, _a(holders.bob), 1)  # France is denied
    assert "Transfer not possible" in reason(world, holders.alice, restrict.token, holders.carol, 10)
    tokens.configure_module(
        world.op, restrict.compliance, world.platform, m.lock_up(datetime(2020, 1, 1, tzinfo=UTC))
    )
    assert send(world, holders.alice, restrict.token, "transfer", holders.carol.address, 10)["status"] == 1
    assert "Transfer not possible" in reason(world, holders.alice, restrict.token, holders.bob, 10)


def test_claim_revocation_makes_is_verified_false(world: World, holders: Holders, allow: TokenSuite) -> None:
    ir, carol_wallet = allow.identity_registry, _a(holders.carol)
    assert identities.is_verified(world.op, ir, carol_wallet)
    receipt = identities.revoke_kyc_claim(world.op, world.platform, holders.carol_id)
    assert receipt is not None and receipt.status
    assert not identities.is_verified(world.op, ir, carol_wallet)
    assert identities.revoke_kyc_claim(world.op, world.platform, holders.carol_id) is None  # nothing left


def test_agent_actions(world: World, holders: Holders, allow: TokenSuite) -> None:
    op, token, bob = world.op, allow.token, _a(holders.bob)
    held = balance(world, token, holders.bob)
    agent.freeze_partial(op, token, bob, 100)
    assert agent.frozen_tokens(op, token, bob) == 100
    assert "Insufficient Balance" in reason(world, holders.bob, token, holders.alice, held - 99)
    agent.unfreeze_partial(op, token, bob, 100)
    agent.set_address_frozen(op, token, bob, True)
    assert agent.is_frozen(op, token, bob)
    assert "wallet is frozen" in reason(world, holders.bob, token, holders.alice, 30)
    agent.forced_transfer(op, token, bob, _a(holders.alice), 20)  # the agent moves even a frozen wallet
    agent.set_address_frozen(op, token, bob, False)
    assert balance(world, token, holders.bob) == held - 20
    agent.burn(op, token, bob, 10)
    assert balance(world, token, holders.bob) == held - 30
    agent.pause(op, token)
    assert agent.paused(op, token)
    assert "Pausable: paused" in reason(world, holders.alice, token, holders.bob, 20)
    agent.unpause(op, token)
    # bob lost his wallet: a fresh key takes his balance, registered to his ONCHAINID with his country
    new = world.chain.accounts[7].account
    receipt = agent.recover(op, token, bob, _a(new), holders.bob_id)
    assert receipt.event("RecoverySuccess")["_newWallet"].lower() == _a(new)
    assert balance(world, token, new) == held - 30 and balance(world, token, holders.bob) == 0
    assert identities.is_verified(op, allow.identity_registry, _a(new))
    ir = artifacts.abi("IdentityRegistry")
    assert op.call(allow.identity_registry, ir, "investorCountry", [_a(new)]) == FR
    with pytest.raises(ChainTxReverted, match="no tokens to recover"):
        agent.recover(op, token, bob, _a(new), holders.bob_id)


def test_unregistered_wallet_and_removed_module(world: World, holders: Holders, restrict: TokenSuite) -> None:
    op, ir = world.op, restrict.identity_registry
    frank = _a(holders.frank)
    assert identities.unregister_wallet(op, ir, frank) is not None
    assert not identities.is_verified(op, ir, frank) and identities.unregister_wallet(op, ir, frank) is None
    with pytest.raises(ChainTxReverted, match="Identity is not verified"):
        agent.mint(op, restrict.token, frank, 1)
    # France is denied until the module is unbound from the token's compliance
    assert tokens.remove_module(op, restrict.compliance, world.platform, "CountryRestrictModule") is not None
    assert tokens.remove_module(op, restrict.compliance, world.platform, "CountryRestrictModule") is None
    agent.mint(op, restrict.token, _a(holders.bob), 5)
    assert balance(world, restrict.token, holders.bob) == 5
