"""Errors of alerts and webhooks (each sets its `code`; it takes its kind from its registry base).

RwaError
  + NotFound
  |   + AlertNotFound       (not_found)
  |   + WebhookNotFound     (not_found)
  + InvalidInput
      + InvalidWebhook      (invalid) not an absolute http(s) URL
"""

from __future__ import annotations

from app.rwa.errors import InvalidInput, NotFound


class AlertNotFound(NotFound):
    code = "ALERT_NOT_FOUND"
    what = "alert"


class WebhookNotFound(NotFound):
    code = "WEBHOOK_NOT_FOUND"
    what = "webhook"


class InvalidWebhook(InvalidInput):
    code = "INVALID_WEBHOOK"
