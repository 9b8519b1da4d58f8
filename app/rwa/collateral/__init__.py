"""Collateral monitoring: positions that pledge units of an asset against a debt, their ratio and state.

The ratio (pledged units x value per unit / debt) is recomputed in every valuation round
(`monitor.on_round`, registered on `app.rwa.valuation.engine.ROUND_LISTENERS` by `monitor.install`) and
the position's state (healthy / warning / liquidation) is stored, so an alert is raised on a crossing only,
and again on recovery.

May import: app.rwa (registry, audit, alerts, valuation's query), app.db. Never fastapi, app.api or web3.
"""
