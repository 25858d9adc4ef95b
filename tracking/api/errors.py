"""The partner API's one error format: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail: Any) -> Any:
    """DRF error details as plain strings, keeping the shape (dicts by field, lists)."""
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def _first_code(codes: Any) -> str:
    while isinstance(codes, dict | list) and codes:
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes if isinstance(codes, str) else "invalid"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 handler answers in the same format
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = _flatten(detail)
            message = "Some parameters are not valid: " + ", ".join(fields) + "."
        else:
            fields = {}
            message = " ".join(_flatten(detail)) if isinstance(detail, list) else str(detail)
        code = "invalid"
    elif isinstance(exc, exceptions.APIException):
        fields = {}
        message = (
            str(exc.detail)
            if not isinstance(exc.detail, dict | list)
            else str(_flatten(exc.detail))
        )
        code = _first_code(exc.get_codes())
    elif isinstance(exc, Http404):
        fields, message, code = {}, "Not found.", "not_found"
    elif isinstance(exc, PermissionDenied):
        fields, message, code = {}, "You may not do that.", "permission_denied"
    else:  # pragma: no cover - drf_exception_handler only handles the types above
        fields, message, code = {}, str(exc), "error"
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response
