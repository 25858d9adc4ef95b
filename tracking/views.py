"""``/t/*`` through Django's URLconf (runserver, the test client, pytest's live server).

Deployments answer these paths in ``tracking.wsgi_fastpath`` before Django; both doors
call the same ``tracking.ingest.handle``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from tracking import ingest


def _set_cookie(response: HttpResponse, header: str) -> None:
    """Copy a Set-Cookie header written by ingest into Django's cookie jar."""
    pair, *attributes = (part.strip() for part in header.split(";"))
    name, _, value = pair.partition("=")
    options = {a.partition("=")[0].lower(): a.partition("=")[2] for a in attributes}
    response.set_cookie(
        name,
        value,
        max_age=int(options["max-age"]) if options.get("max-age") else None,
        path=options.get("path") or "/",
        secure="secure" in options,
        httponly="httponly" in options,
        samesite="None" if options.get("samesite") == "None" else "Lax",
    )


@csrf_exempt
def capture(request: HttpRequest, rest: str = "") -> HttpResponse:
    def read_body(limit: int) -> bytes | None:
        body = request.body
        return None if len(body) > limit else body

    status, headers, body = ingest.handle(request.META, read_body)
    response = HttpResponse(body, status=status)
    for name, value in headers:
        if name == "Set-Cookie":
            _set_cookie(response, value)
        else:
            response.headers[name] = value
    return response
