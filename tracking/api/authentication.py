"""`Authorization: Bearer <key>` for the partner API."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from tracking.models import ApiKey
from tracking.selectors import api_key_get_by_token
from tracking.services import KEY_PREFIX, api_key_touch

# What api_key_create hands out: ``phk_<hex prefix>_<urlsafe secret>``. Anything else is
# refused before it reaches the database (a NUL byte or a 10 kB header is not a key).
_TOKEN_SHAPE = re.compile(rf"{KEY_PREFIX}_[0-9a-f]{{1,16}}_[A-Za-z0-9_-]{{16,128}}")


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[AnonymousUser, ApiKey] | None:
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].decode(errors="replace").lower() != self.keyword.lower():
            raise exceptions.AuthenticationFailed("Use `Authorization: Bearer <key>`.")
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be `Bearer <key>` with one key."
            )
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The key is not valid.") from None
        if not _TOKEN_SHAPE.fullmatch(token):
            raise exceptions.AuthenticationFailed("The key is not valid.")
        key = api_key_get_by_token(token)
        if key is None:
            raise exceptions.AuthenticationFailed("The key is not valid.")
        now = timezone.now()
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("The key has been revoked.")
        if key.expires_at is not None and key.expires_at <= now:
            raise exceptions.AuthenticationFailed("The key has expired.")
        api_key_touch(
            key=key, at=now, resolution_seconds=settings.API_KEY_LAST_USED_RESOLUTION_SECONDS
        )
        return AnonymousUser(), key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "tracking.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "phk_<prefix>_<secret>",
            "description": (
                "`Authorization: Bearer phk_<prefix>_<secret>`. A key is scoped to brands "
                "(it sees only their objects; another brand's object is a 404) and to scopes "
                "(`reports:read`, `events:write`, `entries:read`, `entries:pii`, `webhooks:read`, "
                "`webhooks:write`). A missing, "
                "unknown, revoked or expired key is a 401; a missing scope is a 403."
            ),
        }
