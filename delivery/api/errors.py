"""What the intake can refuse, with the HTTP status each refusal maps to."""

from __future__ import annotations


class ApiError(Exception):
    """A refusal the caller can act on: an HTTP status, a message and, per field, a reason."""

    status = 400

    def __init__(
        self,
        message: str,
        details: dict[str, str] | None = None,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if status is not None:
            self.status = status
        self.headers = headers or {}


class InvalidInput(ApiError):
    status = 400


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class Unauthorized(ApiError):
    status = 401

    def __init__(self, message: str, details: dict[str, str] | None = None) -> None:
        super().__init__(
            message, details, headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}
        )
