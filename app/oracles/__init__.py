"""Prices things: reads Chainlink AggregatorV3Interface feeds through web3.py (our own chain in process,
or any Ethereum node over HTTP) with Chainlink's consumer guards, and does the FX arithmetic.

Modules: `base` (the seam: FeedSpec, RoundData, PriceQuote, Guard), `provider` (the in-process web3 provider),
`chainlink` (every web3 contract call: reader, deploy, push), `guards` (the checks, no I/O), `fx`, `errors`.
May import web3, eth_account and app.metrics; never app.rwa, app.evm, py-evm (`eth`) or the web layer.
"""
