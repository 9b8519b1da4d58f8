"""The ownership ledger: who holds how many units of which asset, and every change of it.

One place per concept:
  transfers     the use cases of one movement: issue (mint), redeem (burn), `can-transfer`, a transfer
  settlement    many transfers in one transaction: a batch (all or nothing) and a group commit's group
                (each on its own), checked against one book and written in bulk (`app.rwa.bulk`)
  book          the book of holdings a movement (or a batch) is checked against, loaded and locked in order
  movements     one movement's row and its audit entry, the last statements of every change; their reads
  group_commit  single transfers of concurrent callers, settled in one transaction and one commit per group
  agent         what an asset's agent may do beyond the rules (ERC-3643): freeze, forced transfer, recovery

May import: app.rwa's root, app.rwa.registry, app.rwa.compliance, app.rwa.audit, app.db.
Never app.rwa.valuation, app.rwa.feeds, app.rwa.collateral, app.rwa.alerts, fastapi or app.api.
"""
