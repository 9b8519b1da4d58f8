"""Errors of alerts and webhooks (mapped to HTTP in app/errors.py).

RwaError
  + NotFound
  |   + AlertNotFound       (404)
  |   + WebhookNotFound     (404)
  + InvalidInput
      + InvalidWebhook      (422) not an absolute http(s) URL
"""

from __future__ import annotations

from app.rwa.errors import InvalidInput, NotFound


class AlertNotFound(NotFound):
    kind = "alert"


class WebhookNotFound(NotFound):
    kind = "webhook"


class InvalidWebhook(InvalidInput):
    pass
