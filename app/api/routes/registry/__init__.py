"""REST routes of the asset registry under /v1: issuers, assets, the ledger, documents, identities, API keys
and the audit trail."""
