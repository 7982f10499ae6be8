"""The one exception tree of the platform; each error carries its HTTP status.

    OmniwiseError
    ├── BadRequest            400
    ├── Unauthorized          401
    ├── Forbidden             403
    ├── NotFound              404
    ├── MethodNotAllowed      405
    ├── Conflict              409
    ├── Gone                  410
    ├── PayloadTooLarge       413
    ├── ValidationFailed      422
    ├── TooManyRequests       429
    └── ServiceUnavailable    503

Messages never carry personal data: they name fields and ids, not values.
"""

from __future__ import annotations

from typing import Any


class OmniwiseError(Exception):
    status_code: int = 500
    title: str = "Internal error"

    def __init__(
        self, detail: str, *, extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}
        self.headers = headers or {}

    @property
    def type_uri(self) -> str:
        slug = self.title.lower().replace(" ", "-")
        return f"https://omniwise.com/problems/{slug}"

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        problem: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status_code,
            "detail": self.detail,
        }
        if instance:
            problem["instance"] = instance
        problem.update(self.extra)
        return problem


class BadRequest(OmniwiseError):
    status_code = 400
    title = "Bad request"


class Unauthorized(OmniwiseError):
    status_code = 401
    title = "Unauthorized"


class Forbidden(OmniwiseError):
    status_code = 403
    title = "Forbidden"


class NotFound(OmniwiseError):
    status_code = 404
    title = "Not found"


class MethodNotAllowed(OmniwiseError):
    status_code = 405
    title = "Method not allowed"


class Conflict(OmniwiseError):
    status_code = 409
    title = "Conflict"


class Gone(OmniwiseError):
    status_code = 410
    title = "Gone"


class PayloadTooLarge(OmniwiseError):
    status_code = 413
    title = "Payload too large"


class ValidationFailed(OmniwiseError):
    status_code = 422
    title = "Validation failed"


class TooManyRequests(OmniwiseError):
    status_code = 429
    title = "Too many requests"


class ServiceUnavailable(OmniwiseError):
    status_code = 503
    title = "Service unavailable"
