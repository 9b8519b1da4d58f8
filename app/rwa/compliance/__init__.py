"""Compliance: the transfer rules (ERC-3643 modules) as pure functions of a `BookView`, giving ERC-1404
restriction codes (`rules`). The on-chain compliance-module mapping of the tokenization work lands here.

May import: app.rwa.domain, app.rwa.errors only (pure: no database, no audit, no registry or ledger).
"""
