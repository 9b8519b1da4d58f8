"""REST routes of our chain: blocks and transactions (`blocks`), contracts (`contracts`: compile, deploy,
call, the registry of deployments)."""
