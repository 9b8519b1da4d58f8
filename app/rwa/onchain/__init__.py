"""On-chain mode: an asset of the registry tokenized on our chain with Tokeny's T-REX suite, after which its
token is the book of record and the registry follows it.

Owns: tokenizing (``tokenize``: the plan and its refusals before anything is deployed, then the deploy,
mints and mirrored freezes, and the switch), the rules-to-modules mapping and the holders' pre-check
(``rules``), which assets are tokenized and the guard refusing registry-side writes to them (``mode``), the
block hook indexing the tokens' events into holdings, movements and audit entries in the block's own
database transaction (``indexer``), the journal that lets a chain rewind restore the registry (``journal``),
agent actions signed by the operator (``actions``), the registry identities' KYC and wallets kept on-chain
(``identity_sync``), the handle on the chain (``service``), errors and tables (``errors``, ``models``).
``consistency`` (a sub-package): the registry against each token at one block (``aurigraph check
consistency`` and the server's periodic task), alerts, and the corrective operations it prints, never applied.

May import: app.rwa's registry (models, services, compliance rules, audit), app.rwa.tokenization (the
operator, platform, identities, tokens, agent), app.evm (the chain, records), app.config, app.db. Never
fastapi or app.api.

  service.attach(chain, contracts) -> OnchainService     indexer + rewind hooks; operator/platform lazily
  tokenize.plan(session, symbol) -> Plan                 every refusal, nothing written
  tokenize.tokenize(svc, symbol, actor=...) -> Tokenized
  mode.tokenized(session, asset) / require_tokenized / refuse_if_tokenized(session, asset, action)
  actions.freeze / unfreeze / forced_transfer / recover / issue / redeem / set_paused (svc, symbol, ...)
  identity_sync.sync_identity(svc, identity_id)          claim added/removed, wallets registered
"""
