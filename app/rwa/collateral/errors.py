"""Errors of collateral positions (mapped to HTTP in app/errors.py).

RwaError
  + NotFound
  |   + PositionNotFound     (404)
  + InvalidInput
  |   + InvalidPosition      (422) units, debt, currency or thresholds the monitor cannot work with
  + InvalidStatusTransition
      + PositionClosed       (409) closing a position that is already closed
"""

from __future__ import annotations

from app.rwa.errors import InvalidInput, InvalidStatusTransition, NotFound


class PositionNotFound(NotFound):
    kind = "collateral position"


class InvalidPosition(InvalidInput):
    pass


class PositionClosed(InvalidStatusTransition):
    def __init__(self, position_id: int) -> None:
        super().__init__(f"collateral position {position_id} is already closed")
        self.position_id = position_id
