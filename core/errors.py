"""Domain errors and the one error body every `/api/` failure answers with.

`{"error": {"code", "message", "fields"?}}` for every 4xx and 5xx under `/api/`; pages get an
HTML page that says what went wrong in words. Never a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from core.schemas import ErrorDetail, ErrorRead

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A request that breaks a rule of the domain. Subclasses choose the HTTP status."""

    status = 422
    code = "rule_violated"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields
        if code:
            self.code = code


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class BadRequest(DomainError):
    status = 400
    code = "malformed_request"


HTTP_CODES = {
    400: "malformed_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}

HTTP_MESSAGES = {
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    413: "The request is larger than this service accepts.",
    429: "Too many attempts. Wait and try again.",
    500: "Something went wrong on our side. The change was not saved; try again.",
}


def error_body(
    status: int, message: str, *, code: str | None = None, fields: dict[str, str] | None = None
) -> dict[str, Any]:
    detail = ErrorDetail(code=code or HTTP_CODES.get(status, "error"), message=message, fields=fields or None)
    return ErrorRead(error=detail).model_dump()


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def respond(
    status: int,
    message: str,
    *,
    code: str | None = None,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if wants_json():
        response = jsonify(error_body(status, message, code=code, fields=fields))
    else:
        response = Response(render_template("error.html", status=status, message=message), mimetype="text/html")
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        return respond(error.status, error.message, code=error.code, fields=error.fields)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Response:
        return respond(
            400, "The form expired or was not sent from this site. Reload the page and try again.", code="csrf_failed"
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        message = HTTP_MESSAGES.get(status) or (error.description or error.name)
        headers = {}
        if status == 429:
            retry_after = getattr(error, "retry_after", None)
            response = getattr(error, "response", None)
            if response is not None and response.headers.get("Retry-After"):
                headers["Retry-After"] = response.headers["Retry-After"]
            elif retry_after:
                headers["Retry-After"] = str(retry_after)
        if status == 405 and error.get_response().headers.get("Allow"):
            headers["Allow"] = error.get_response().headers["Allow"]
        return respond(status, message, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return respond(500, HTTP_MESSAGES[500])
