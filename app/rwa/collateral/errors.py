"""Errors of collateral positions (each sets its `code`; it takes its kind from its registry base).

RwaError
  + NotFound
  |   + PositionNotFound     (not_found)
  + InvalidInput
  |   + InvalidPosition      (invalid) units, debt, currency or thresholds the monitor cannot work with
  + InvalidStatusTransition
      + PositionClosed       (conflict) closing a position that is already closed
"""

from __future__ import annotations

from app.rwa.errors import InvalidInput, InvalidStatusTransition, NotFound


class PositionNotFound(NotFound):
    code = "POSITION_NOT_FOUND"
    what = "collateral position"


class InvalidPosition(InvalidInput):
    code = "INVALID_POSITION"


class PositionClosed(InvalidStatusTransition):
    code = "POSITION_CLOSED"

    def __init__(self, position_id: int) -> None:
        super().__init__(f"collateral position {position_id} is already closed")
        self.position_id = position_id
