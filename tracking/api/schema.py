"""OpenAPI generation for the partner API: the error format on every operation.

``ApiAutoSchema`` (settings ``DEFAULT_SCHEMA_CLASS``) adds the documented error responses
that every endpoint can give, so no view has to list them by hand:

- 400 on every operation (an unknown or repeated query parameter, an invalid value, a body
  that does not parse or validate);
- 401 and 429 (with ``Retry-After``) on every operation that takes a partner key;
- 403 on operations whose view declares ``required_scopes``;
- 404 on operations with a path parameter (unknown id, or another brand's object).

A view's own ``@extend_schema(responses=...)`` for one of these codes wins.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from tracking.api.authentication import ApiKeyAuthentication
from tracking.api.serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": (
        "Invalid request: an unknown or repeated query parameter, a value that is not "
        "valid (`fields` names each), or a body that is not valid JSON (`parse_error`)."
    ),
    "401": (
        "No key, or an unknown, revoked or expired key (`not_authenticated`, "
        "`authentication_failed`)."
    ),
    "403": "The key lacks a scope this endpoint needs (`missing_scope`).",
    "404": (
        "No such object among the brands of this key (`not_found`). Another brand's "
        "object is a 404 too, as if it did not exist."
    ),
    "429": "Too many requests for this key (`throttled`); retry after `Retry-After` seconds.",
}


class ApiAutoSchema(AutoSchema):
    def _uses_api_key(self) -> bool:
        return any(isinstance(a, ApiKeyAuthentication) for a in self.view.get_authenticators())

    def _error_codes(self) -> list[str]:
        codes = ["400"]
        if self._uses_api_key():
            codes += ["401", "429"]
            if getattr(self.view, "required_scopes", ()):
                codes.append("403")
        if "{" in self.path:
            codes.append("404")
        return sorted(codes)

    def get_override_parameters(self) -> list[Any]:
        parameters: list[Any] = list(super().get_override_parameters())
        if self._uses_api_key():
            parameters.append(
                OpenApiParameter(
                    name="Retry-After",
                    type=OpenApiTypes.INT,
                    location=OpenApiParameter.HEADER,
                    response=[429],
                    description="Seconds until this key may call again.",
                )
            )
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]),
                    code,
                    direction=direction,
                )
        return responses
