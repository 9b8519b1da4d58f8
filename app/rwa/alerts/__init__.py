"""Alerts: the alert rows, `raise_alert`, the admin-managed webhooks, the outbox and its delivery worker.

`raise_alert` writes an alert, its audit entry and one outbox row per active webhook in the caller's
transaction: an alert and its pending deliveries commit or roll back together, so a crash after the commit
still delivers (the outbox row survives) and a rollback sends nothing. The worker (`delivery.py`) posts each
outbox row, signed with the webhook's HMAC-SHA256 secret and carrying the alert's stable id as
`Idempotency-Key`, retrying with capped exponential backoff: at-least-once delivery, deduplicated by key.

May import: app.rwa (audit, errors, repo, coltypes, canonical), app.db, app.config, app.metrics, httpx.
Never fastapi, app.api or web3.
"""
