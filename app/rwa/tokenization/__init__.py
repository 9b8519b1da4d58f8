"""Tokenization on our chain with Tokeny's ERC-3643 suite (T-REX 4.1.6, npm ``@tokenysolutions/t-rex``) and
ONCHAINID (npm ``@onchain-id/solidity``), deployed unchanged from their Hardhat artifacts through our
artifact import (``app.evm.contracts.service.parse_artifact``), every deploy recorded in the contract
registry and every write audited in its block's own database transaction.

Owns: the platform operator (``operator``: its configured key, signing and sending), the platform's
contracts (``platform``; table ``tokenization_contract``), ONCHAINIDs and KYC claims (``identities``; table
``tokenization_identity``), compliance module configuration (``modules``), token suites (``tokens``), the
agent's actions (``agent``), the artifacts (``artifacts``), errors (``errors``) and tables (``models``).
May import: app.evm (its ChainAPI, the contract service, ABI, records), app.rwa's errors, the registry's
ISO codes (``app.rwa.registry.iso``), the audit log, app.config, app.db. Never the ledger, the on-chain
mode (``app.rwa.onchain`` builds on this package), prices, fastapi, app.api, web3 or py-evm (``eth``):
import-linter holds it (pyproject.toml).

The API (addresses are 0x-hex strings, amounts int base units; writes return a mined ``Receipt`` or raise
``ChainTxReverted`` carrying the suite's reason, e.g. "Transfer not possible"):

  operator.open_operator(chain, contracts, settings) -> Operator
      key: AURIGRAPH_OPERATOR_KEY_FILE / AURIGRAPH_OPERATOR_KEY; dev account 0 on a dev/test chain only
  platform.deploy_platform(op) -> Platform          idempotent; `aurigraph tokenization init`
  platform.load_platform(conn) -> Platform | None;  platform.require_platform(conn) -> Platform
  identities.KycSubject.of(registry_identity) -> KycSubject
  identities.ensure_identity(op, platform, subject) -> str      ONCHAINID address; claim added/removed by KYC
  identities.add_kyc_claim(op, platform, subject, identity) -> Receipt | None
  identities.revoke_kyc_claim(op, platform, identity, *, identity_id=None) -> Receipt | None
  identities.register_wallet(op, identity_registry, wallet, identity, country) -> Receipt | None
  identities.unregister_wallet(op, identity_registry, wallet) -> Receipt | None
  identities.is_verified(op, identity_registry, wallet) -> bool
  identities.onchain_identity(conn, identity_id) -> str | None
  modules.country_allow(codes) / country_restrict(codes) / max_balance(units) / max_holders(count)
         / minimum_transfer(units) / lock_up(until) -> ModuleConfig
  tokens.TokenSpec.of(asset) -> TokenSpec;  tokens.find_token(op, platform, symbol) -> str | None
  tokens.deploy_token(op, platform, spec, modules=(), *, unpause=True) -> TokenSuite
  tokens.configure_module(op, compliance, platform, config) -> Receipt   bind if needed, then configure
  tokens.remove_module(op, compliance, platform, module_name) -> Receipt | None
  agent.mint / burn(op, token, wallet, amount);  agent.set_address_frozen(op, token, wallet, frozen)
  agent.freeze_partial / unfreeze_partial(op, token, wallet, amount)
  agent.forced_transfer(op, token, sender, to, amount);  agent.recover(op, token, lost, new, identity)
  agent.pause / unpause(op, token);  reads: agent.balance_of, frozen_tokens, is_frozen, paused
"""
