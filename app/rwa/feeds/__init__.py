"""Price feeds: the feed registry (`registry`: which aggregator prices which pair, behind which guards),
what is read of feeds through app.oracles (`chainio`), their health as metrics (`availability`) and as
alerts (`alarms`).

May import: app.rwa's root, app.rwa.registry (ISO codes), app.rwa.audit, app.rwa.alerts, app.rwa.valuation's
models and errors, app.oracles, app.metrics. Never web3 (feeds are read only through app.oracles), eth,
fastapi or app.api.
"""
