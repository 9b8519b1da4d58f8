"""Valuation: pricing rules per asset (`pricing`), the append-only point-in-time valuation history
(`models`, `history`, `fastinsert`), one round as data (`rounds`, `quotes`, `convert`), the engine that
revalues assets on every block of our chain and on a poll for feeds elsewhere (`engine`, `listeners`), and
the reads over that history (`query`: as of a block or a time, history, portfolios). The oracle half's
errors are in `errors`. The feeds themselves (registry, chain reads, health) are `app.rwa.feeds`.

May import `app.rwa` (assets, holdings, audit, feeds), `app.oracles` (feed specs, the reader, FX) and
`app.metrics`; never `web3` (feeds are read only through `app.oracles`), `eth`, `fastapi`, `typer` or
`app.api`.
"""
