"""Cursor pagination for every partner list: stable under inserts, opaque cursors.

Strict about its two parameters: a ``page_size`` that is not an integer from 1 to
``max_page_size``, or a ``cursor`` that was not handed out by the API, is a 400 naming the
parameter (DRF's stock class silently falls back to the default size, answers 404 for a bad
cursor, and crashes with a 500 on a well-formed cursor whose position is not an id).
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import exceptions
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from tracking.site import absolute_url

_ID_POSITION = re.compile(r"[0-9]{1,18}")


class IdCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_cursor_message = "This cursor is not valid: use the next or previous link as given."

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        page: Any = super().paginate_queryset(queryset, request, view)
        # next/previous on the address the partner called (tracking.site), not Django's host
        self.base_url = absolute_url(request.get_full_path(), request._request)
        return page

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        f"Must be an integer from 1 to {self.max_page_size}."
                    ]
                }
            )
        return int(raw)

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor = None
            valid = False
        else:
            valid = cursor is None or self._position_is_valid(cursor.position)
        if not valid:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            )
        return cursor

    def _position_is_valid(self, position: object) -> bool:
        """A position must fit the ordering field: ids are decimal integers in range."""
        if position is None:
            return True
        field = (
            self.ordering[0].lstrip("-")
            if isinstance(self.ordering, list | tuple)
            else (self.ordering.lstrip("-"))
        )
        if field in ("id", "pk"):
            return isinstance(position, str) and bool(_ID_POSITION.fullmatch(position))
        return True

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters
