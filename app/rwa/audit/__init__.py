"""The compliance audit trail: the append-only, hash-chained log (`log`), its tables (`models`) and reads
(`queries`), canonical JSON and the hashed/signed messages (`canonical`), the RFC 6962 Merkle tree
(`merkle`), the Ed25519 checkpoint key (`signing_key`), the chain's deploys and rewinds as entries (`chain`),
and the export for third parties (`export`) with its offline verifier (`verify`).

May import: app.rwa's root (errors, bulk, domain), app.db, app.config, and the chain (`chain` only).
Never app.rwa.ledger, app.rwa.registry, app.rwa.valuation, app.rwa.feeds (every other part writes to the
audit log; the log depends on none of them), fastapi or app.api. `verify` works offline: no sqlalchemy.
"""
