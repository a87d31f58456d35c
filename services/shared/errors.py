"""Domain errors. Logic raises these; the API app maps each kind to one HTTP status in one place."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error a client may see. ``code`` is stable and machine-readable."""

    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details or {}

    def to_body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class BadRequest(DomainError):
    status, default_code = 400, "bad_request"


class Unauthenticated(DomainError):
    status, default_code = 401, "unauthenticated"


class Forbidden(DomainError):
    status, default_code = 403, "forbidden"


class NotFound(DomainError):
    status, default_code = 404, "not_found"


class Conflict(DomainError):
    status, default_code = 409, "conflict"


class PreconditionFailed(DomainError):
    status, default_code = 412, "precondition_failed"


class PreconditionRequired(DomainError):
    """A write that must say which version it changes (``If-Match``) did not."""

    status, default_code = 428, "precondition_required"


class PayloadTooLarge(DomainError):
    status, default_code = 413, "payload_too_large"


class UnsupportedMediaType(DomainError):
    status, default_code = 415, "unsupported_media_type"


class Unprocessable(DomainError):
    status, default_code = 422, "validation_error"


class TooManyRequests(DomainError):
    status, default_code = 429, "too_many_requests"


class ServiceUnavailable(DomainError):
    """A dependency we must not do without (e.g. the audit log) is not answering: fail closed."""

    status, default_code = 503, "service_unavailable"
