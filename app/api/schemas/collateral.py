"""Pydantic models of collateral positions, alerts and webhooks (in and out).

Money and ratios travel as decimal strings (JSON integers are accepted in requests; JSON floats are refused
with 422: a binary float cannot carry an exact amount)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import PlainSerializer, PlainValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from app.api.schemas.registry import Address, In, Out, Units, UnitsOut

_DECIMAL = re.compile(r"^[0-9]{1,40}(\.[0-9]{1,18})?$")


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PydanticCustomError("invalid_decimal", 'amounts are decimal strings, e.g. "1250000.00"')
    text = str(value)
    if not _DECIMAL.match(text):
        raise PydanticCustomError(
            "invalid_decimal", 'a non-negative decimal with at most 18 places, e.g. "1.5"'
        )
    return Decimal(text)


DecimalIn = Annotated[
    Decimal,
    PlainValidator(_decimal),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,18})?$"}),
]
DecimalOut = Annotated[
    Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str), WithJsonSchema({"type": "string"})
]


class PositionIn(In):
    asset: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    wallet: Address
    units: Units
    debt: DecimalIn
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    warning_ratio: DecimalIn
    liquidation_ratio: DecimalIn
    reference: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None


class CollateralPositionOut(Out):
    id: int
    reference: str | None
    asset: str
    wallet: str
    identity_id: int
    units: UnitsOut
    debt: DecimalOut
    currency: str
    warning_ratio: DecimalOut
    liquidation_ratio: DecimalOut
    status: Literal["open", "closed"]
    state: Literal["unpriced", "healthy", "warning", "liquidation"]
    ratio: DecimalOut | None
    collateral_value: DecimalOut | None
    stale: bool | None
    valued_block: int | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class AlertOut(Out):
    id: str  # stable: the webhooks' Idempotency-Key
    seq: int  # the cursor: `after=seq`
    kind: str
    subject: str
    asset: str | None  # the asset it concerns, if any
    severity: str
    payload: dict[str, Any]
    created_at: str


class DeliveryOut(Out):
    webhook_id: int
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_error: str | None


class WebhookIn(In):
    url: Annotated[str, StringConstraints(min_length=8, max_length=2000)]


class WebhookOut(Out):
    id: int
    url: str
    active: bool
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str  # shown once: signs every delivery (X-Aurigraph-Signature)
