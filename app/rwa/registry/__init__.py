"""The registry: assets (and their issuers), identities and wallets (`identities`, who may see them:
`identity_access`), documents and their content-addressed blobs, API keys, roles and permissions (`keys`,
`access`), and the ISO 3166/4217 codes (`iso`).

May import: app.rwa's root, app.rwa.audit, app.db, app.config.
Never app.rwa.ledger (the ledger builds on the registry, not the other way), app.rwa.valuation,
app.rwa.feeds, fastapi or app.api.
"""
