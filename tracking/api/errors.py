"""The partner API's one error format: ``{"error": {"code", "message", "fields"}}``.

``code`` is a stable machine-readable word (``invalid``, ``parse_error``,
``not_authenticated``, ``authentication_failed``, ``permission_denied``, ``missing_scope``,
``not_found``, ``method_not_allowed``, ``unsupported_media_type``, ``throttled``,
``unavailable`` (a 503 with ``Retry-After``: the database could not be reached), ...);
``message`` is for people; ``fields`` maps each offending body field or query parameter to
its messages (empty when the error is not about a field). Errors raised outside DRF views
(an unknown URL under /api/, a crash) use the same format through ``config.views``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2


class ServiceUnavailable(exceptions.APIException):
    """A 503 with ``Retry-After``: the request was fine, a backing service was not."""

    status_code = 503
    default_detail = "The service cannot reach its database just now; retry in a moment."
    default_code = "unavailable"


def _flatten(detail: Any) -> Any:
    """DRF error details as plain strings, keeping the shape (dicts by field, lists)."""
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list | tuple):
        return [_flatten(v) for v in detail]
    return str(detail)


def _first_message(value: Any) -> str:
    """The first human message inside a (possibly nested) error detail."""
    if isinstance(value, dict):
        for item in value.values():
            found = _first_message(item)
            if found:
                return found
        return ""
    if isinstance(value, list):
        for item in value:
            found = _first_message(item)
            if found:
                return found
        return ""
    return str(value)


def _first_code(codes: Any) -> str:
    while isinstance(codes, dict | list) and codes:
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes if isinstance(codes, str) else "invalid"


def _validation_fields_and_message(detail: Any) -> tuple[dict[str, Any], str]:
    """``fields`` and ``message`` for a ValidationError, whatever shape its detail has.

    A dict names fields; a list of strings is a message about the whole input; a list of
    dicts (a ``many=True`` serializer) names items by index, e.g. ``{"3": {"ts": [...]}}``.
    """
    non_field_key = api_settings.NON_FIELD_ERRORS_KEY
    if isinstance(detail, dict):
        fields = _flatten(detail)
        named = [f"{name}: {_first_message(value)}" for name, value in fields.items()]
        if list(fields) == [non_field_key]:
            return fields, " ".join(_flatten_strings(fields[non_field_key]))
        return fields, "Invalid input. " + "; ".join(named)
    if isinstance(detail, list) and all(isinstance(item, str) for item in detail):
        return {}, " ".join(str(item) for item in detail) or "Invalid input."
    if isinstance(detail, list):
        fields = {str(i): _flatten(item) for i, item in enumerate(detail) if item}
        named = [f"item {i}: {_first_message(value)}" for i, value in fields.items()]
        return fields, "Invalid input. " + "; ".join(named)
    return {}, str(detail)


def _flatten_strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [s for item in value for s in _flatten_strings(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _flatten_strings(item)]
    return [str(value)]


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The documented error body: every JSON error of the service is built here."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(
    status: int,
    code: str,
    message: str,
    fields: dict[str, Any] | None = None,
    *,
    retry_after: int | None = None,
) -> JsonResponse:
    """A JSON error answer outside DRF views (consumer pages, the shop, Facebook callbacks)."""
    response = JsonResponse(error_body(code, message, fields), status=status)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, RecursionError):  # a JSON body nested thousands deep, as parsed
        exc = exceptions.ParseError("JSON parse error - nested too deeply")
    if isinstance(exc, OperationalError | InterfaceError):  # database down or locked: no bug
        logger.warning("api: database unavailable: %s", exc)
        exc = ServiceUnavailable()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 handler answers in the same format
    fields: dict[str, Any]
    if isinstance(exc, exceptions.ValidationError):
        fields, message = _validation_fields_and_message(exc.detail)
        code = "invalid"
    elif isinstance(exc, exceptions.APIException):
        fields = {}
        api_detail = exc.detail
        message = (
            " ".join(_flatten_strings(_flatten(api_detail)))
            if isinstance(api_detail, dict | list)
            else str(api_detail)
        )
        code = _first_code(exc.get_codes())
    elif isinstance(exc, Http404):
        # Never echo the exception's text: it could tell another brand's object exists.
        fields, message, code = {}, "Not found.", "not_found"
    elif isinstance(exc, PermissionDenied):
        fields, message, code = {}, "You may not do that.", "permission_denied"
    else:  # pragma: no cover - drf_exception_handler only handles the types above
        fields, message, code = {}, str(exc), "error"
    response.data = error_body(code, message, fields)
    if isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def drf_validation_error(
    exc: DjangoValidationError, *, field: str = "url"
) -> exceptions.ValidationError:
    """A service's ValidationError as DRF's, for the one envelope: by field when it names
    fields, else under ``field`` (a destination URL check raises plain messages)."""
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({field: exc.messages})
