"""Valuation: the feed registry, pricing rules per asset, the append-only point-in-time valuation history,
the engine that revalues assets on every block of our chain (and on a poll for feeds elsewhere), and the
reads over that history (as of a block or a time, history, portfolios).

May import `app.rwa` (assets, holdings, audit), `app.oracles` (feed specs, the reader, FX) and `app.metrics`;
never `web3` (feeds are read only through `app.oracles`), `eth`, `fastapi`, `typer` or `app.api`.
"""
