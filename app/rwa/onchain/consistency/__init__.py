"""Continuous consistency checks of tokenized assets: the registry against each asset's T-REX token at one
committed block (``check``), the corrective operations for an operator (``repair``: printed, never
applied), and the periodic task the server runs (``watch``). ``aurigraph check consistency [--repair]
[--json]`` is the command.

May import: app.rwa's models and alerts, app.rwa.tokenization (artifacts, platform, identities, tokens),
app.evm (the chain, ABI), app.config. Never fastapi, app.api, web3 or py-evm. Read-only but for the alerts
it raises, in its caller's transaction; it needs no key.

  check.check(chain, symbols=None) -> Report (block_number, targets, differences: Difference ...)
  check.raise_alerts(session, differences) -> int        one alert (and audit entry) per difference
  repair.operations(chain, conn, report) -> [Operation]  target "registry" (SQL) or "chain" (a transaction)
  watch.ConsistencyWatch(chain, sessions, interval_s)     alerts each new difference once
"""
