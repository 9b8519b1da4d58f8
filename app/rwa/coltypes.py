"""Column types for exact units, exact money (`DecimalText`) and UTC times on both dialects.

PostgreSQL stores units as NUMERIC(78,0). SQLite has no exact wide integer: a NUMERIC column turns any
integer beyond 64 bits into a REAL (15 significant digits), so on SQLite units are zero-padded 78-digit
text, which compares and sorts exactly like the number. Sums of units are therefore done in Python."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

WIDTH = 78


def units_column_type() -> TypeEngine[Any]:
    """The DDL type the migration uses for every units column (the same as `Units` renders)."""
    return Numeric(WIDTH, 0).with_variant(String(WIDTH), "sqlite")


class Units(TypeDecorator[int]):
    impl = Numeric(WIDTH, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(WIDTH))
        return dialect.type_descriptor(Numeric(WIDTH, 0, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise TypeError(f"units must be int, got {type(value).__name__}")
        value = int(value)
        if dialect.name == "sqlite":
            if value < 0:
                raise ValueError("negative units cannot be stored")
            return str(value).zfill(WIDTH)
        return Decimal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(value)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in and out (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the registry stores UTC-aware times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class DecimalText(TypeDecorator[Decimal]):
    """An exact Decimal as its plain text form (never a float on the way)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise TypeError(f"money must be a finite Decimal, got {value!r}")
        return format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)
