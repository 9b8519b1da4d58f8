"""`aurigraph demo`: demo data through the services only: the registry's half (`registry`: issuers,
assets, investors, documents, transfers) and the oracle half (`oracles`: feeds, pricing rules, collateral).

May import any part of app.rwa (it is on top of them) and app.oracles; never fastapi or app.api.
"""
