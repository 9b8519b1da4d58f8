"""REST routes of the oracle half under /v1: feeds, valuation, collateral positions, alerts and webhooks,
and the alerts' live WebSocket stream (`alerts_ws`)."""
