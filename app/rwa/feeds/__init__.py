"""Price feeds: the feed registry (`registry`, its table in `models`: which aggregator prices which pair,
behind which guards), what is read of feeds through app.oracles (`chainio`), and their health as metrics
(`availability`) and as alerts (`alarms`).

May import: app.rwa's root, app.rwa.registry (ISO codes), app.rwa.audit, app.rwa.alerts, app.oracles,
app.metrics, and of app.rwa.valuation only its `errors` (the oracle half's one error tree). Never the rest
of app.rwa.valuation (valuation uses feeds, not the other way), web3 (feeds are read only through
app.oracles), eth, fastapi or app.api.
"""
