"""Strict query parameters for partner endpoints, and filter fields that refuse bad input.

A partner who misspells a filter (``?stauts=active``) or sends a value we cannot read
(``?live=maybe``) gets a 400 naming the parameter, never a silently unfiltered list:

- ``StrictQueryParamsMixin`` (on a view) refuses any query parameter the view does not
  read, and a single-valued parameter given twice;
- ``StrictBooleanFilter``, ``IdFilter`` and ``StrictIsoDateTimeFilter`` (in a FilterSet)
  refuse values django-filter would ignore or turn into a 500 (``live=maybe`` is ignored by
  its BooleanFilter, ``campaign=1.5`` matches campaign 1 through NumberFilter, a 25-digit
  id or the year 9999 in a negative offset overflow the database driver).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from rest_framework import exceptions, mixins
from rest_framework.request import Request
from rest_framework.settings import api_settings

# The largest id a BigAutoField holds; a larger one cannot exist and would overflow.
MAX_ID = 2**63 - 1

UNKNOWN_PARAMETER = "Unknown query parameter."
REPEATED_PARAMETER = "Give this parameter once."


def request_time(request: Request) -> datetime:
    """One "now" per request, so the ``live`` filter and the ``live`` field agree."""
    http_request: Any = getattr(request, "_request", request)
    at: datetime | None = getattr(http_request, "api_now", None)
    if at is None:
        at = timezone.now()
        http_request.api_now = at
    return at


def filterset_query_params(filterset_class: Any) -> tuple[set[str], set[str]]:
    """The query parameter names a FilterSet reads, and those of them that may repeat."""
    names: set[str] = set()
    multi: set[str] = set()
    for name, filter_ in filterset_class.base_filters.items():
        widget = filter_.field.widget
        suffixes = getattr(widget, "suffixes", None)
        if suffixes:  # range filters read name_after/name_before, name_min/name_max, ...
            names.update(widget.suffixed(name, suffix) for suffix in suffixes)
        else:
            names.add(name)
        if isinstance(filter_, django_filters.MultipleChoiceFilter):
            multi.add(name)
    return names, multi


class StrictQueryParamsMixin:
    """Refuse query parameters a view does not read: 400 naming each of them.

    A list action accepts its FilterSet's parameters and its paginator's; every action
    accepts ``extra_query_params``. The check runs after authentication, permissions and
    throttling, so a caller without a key still gets a 401 first.
    """

    extra_query_params: Iterable[str] = ()
    multi_valued_query_params: Iterable[str] = ()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self.check_query_params(request)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # DRF answers an unknown ``?format=`` with a bare 404; name the parameter instead.
        try:
            return super().perform_content_negotiation(request, force)  # type: ignore[misc]
        except Http404:
            name = api_settings.URL_FORMAT_OVERRIDE or "format"
            renderer_classes = getattr(self, "renderer_classes", ())
            formats = sorted({r.format for r in renderer_classes})
            message = (
                f"Unknown format; use one of: {', '.join(formats)}."
                if len(renderer_classes) > 1
                else UNKNOWN_PARAMETER
            )
            raise exceptions.ValidationError({name: [message]}) from None

    def check_query_params(self, request: Request) -> None:
        if request.method is None or getattr(self, request.method.lower(), None) is None:
            return  # the method is not allowed: let the view answer 405
        allowed, multi = self.get_allowed_query_params()
        errors: dict[str, list[str]] = {}
        for name in request.query_params:
            if name not in allowed:
                errors[name] = [UNKNOWN_PARAMETER]
            elif name not in multi and len(request.query_params.getlist(name)) > 1:
                errors[name] = [REPEATED_PARAMETER]
        if errors:
            raise exceptions.ValidationError(errors)

    def is_list_request(self) -> bool:
        action = getattr(self, "action", None)
        if action is not None:
            return bool(action == "list")
        lookup = getattr(self, "lookup_url_kwarg", None) or getattr(self, "lookup_field", None)
        return isinstance(self, mixins.ListModelMixin) and lookup not in getattr(self, "kwargs", {})

    def get_allowed_query_params(self) -> tuple[set[str], set[str]]:
        allowed = set(self.extra_query_params)
        multi = set(self.multi_valued_query_params)
        renderer_classes = getattr(self, "renderer_classes", ())
        if len(renderer_classes) > 1 and api_settings.URL_FORMAT_OVERRIDE:
            allowed.add(api_settings.URL_FORMAT_OVERRIDE)
        if not self.is_list_request():
            return allowed, multi
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            names, repeatable = filterset_query_params(filterset_class)
            allowed |= names
            multi |= repeatable
        for backend in getattr(self, "filter_backends", ()):
            if getattr(self, "search_fields", None) and hasattr(backend, "search_param"):
                allowed.add(backend.search_param)
            if getattr(self, "ordering_fields", None) and hasattr(backend, "ordering_param"):
                allowed.add(backend.ordering_param)
        paginator = getattr(self, "paginator", None)
        for attribute in (
            "cursor_query_param",
            "page_size_query_param",
            "page_query_param",
            "limit_query_param",
            "offset_query_param",
        ):
            name = getattr(paginator, attribute, None)
            if name:
                allowed.add(name)
        return allowed, multi


class StrictBooleanField(forms.Field):
    """``true``/``false`` (or ``1``/``0``); anything else is an error, not "no filter"."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValidationError("Use true or false.", code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IdField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        # IntegerField accepts "1.0"; an id is digits only.
        if value not in self.empty_values and not str(value).strip().isdigit():
            raise ValidationError("Enter a whole number (an id).", code="invalid")
        return super().to_python(value)


class IdFilter(django_filters.Filter):
    """An object id: a positive integer that fits the database, never a decimal."""

    field_class = IdField


class StrictIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    def to_python(self, value: Any) -> datetime | None:
        result: datetime | None = super().to_python(value)
        if result is not None:
            try:
                # The database stores UTC, and PostgreSQL refuses offsets past 15:59 that
                # Python accepts (+20:09): hand it the UTC time.
                result = result.astimezone(UTC)
            except (OverflowError, ValueError):
                raise ValidationError("This date/time is out of range.", code="invalid") from None
        return result


class StrictIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time (``2026-05-01T00:00:00Z``); naive ones are read as UTC."""

    field_class = StrictIsoDateTimeField
