"""The ownership ledger: who holds how many units of which asset, and every change of it.

One place per concept:
  transfers     the use cases: issue (mint), redeem (burn), the `can-transfer` pre-check, a transfer, a batch
  book          the book of holdings one movement (or a batch) is checked against, loaded and locked in order
  settlement    the bulk writes of many transfers in one transaction (a batch, a group commit's group)
  movements     movement rows and their audit entries, the last statements of every change; their reads
  group_commit  single transfers of concurrent callers settled in one transaction and one commit per group
  agent         what an asset's agent may do beyond the rules (ERC-3643): freeze, forced transfer, recovery

May import: app.rwa's root, app.rwa.registry, app.rwa.compliance, app.rwa.audit, app.db.
Never app.rwa.valuation, app.rwa.feeds, app.rwa.collateral, fastapi or app.api.
"""
