"""Partner API permissions: a usable key, and the scopes a view declares."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from tracking.api.scoping import request_key


class MissingScope(exceptions.PermissionDenied):
    default_code = "missing_scope"


class HasApiKey(BasePermission):
    """A view lists ``required_scopes``; any usable key of the brand may call the rest."""

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request_key(request)
        missing = [s for s in getattr(view, "required_scopes", ()) if not key.has_scope(s)]
        if missing:
            raise MissingScope(f"This key lacks the scope(s): {', '.join(missing)}.")
        return True
