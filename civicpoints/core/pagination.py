"""The API's one pagination: limit/offset with bounds, so a huge offset is a 422, not a 500."""

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 100
MAX_OFFSET = 10_000_000


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """``limit`` 1–100 (default 20), ``offset`` 0–10,000,000; returns ``{"items", "count"}``."""

    class Input(Schema):
        limit: int = Field(20, ge=1, le=MAX_LIMIT, description="Rows per page (1–100).")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Rows to skip.")
