"""One column type for every uint256 the chain stores (gas prices, base fees, values): exact on both dialects.

PostgreSQL keeps NUMERIC(78,0) exactly. SQLite has no exact wide number: a NUMERIC column hands values
back through a float (15-16 significant digits, so 10^16+1 reads back as 10^16) and stores anything past
64 bits as a REAL. On SQLite a uint256 is therefore zero-padded 78-digit text, which compares and sorts
exactly like the number (the registry's units are stored the same way, app/rwa/coltypes.py; app/evm may
not import app/rwa, hence this twin).

``driver_value`` is the same conversion for the driver-level bulk writes (app/evm/storage/bulk.py), which hand
tuples to the DBAPI cursor without SQLAlchemy's bind processing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

WIDTH = 78  # digits of 2^256 - 1
MAX = 2**256 - 1


def column_type() -> TypeEngine[Any]:
    """The DDL type a migration uses for a uint256 column (what ``Uint256`` renders on each dialect)."""
    return Numeric(WIDTH, 0).with_variant(String(WIDTH), "sqlite")


def driver_value(value: int | None, dialect_name: str) -> Any:
    """``value`` as the DBAPI driver must receive it for a uint256 column of ``dialect_name``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"a uint256 must be an int, got {type(value).__name__}")
    value = int(value)
    if not 0 <= value <= MAX:
        raise ValueError(f"{value} is not a uint256")
    if dialect_name == "sqlite":
        return str(value).zfill(WIDTH)
    return Decimal(value)


class Uint256(TypeDecorator[int]):
    impl = Numeric(WIDTH, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(WIDTH))
        return dialect.type_descriptor(Numeric(WIDTH, 0, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return driver_value(value, dialect.name)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(value)
