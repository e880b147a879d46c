"""OpenAI-shaped API errors: `{"error": {"message", "type", "param", "code"}}`."""

from __future__ import annotations

from starlette.responses import JSONResponse


class ApiError(Exception):
    """An error the emulator answers with, as OpenAI would."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.type, "param": self.param,
                          "code": self.code}}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def not_found(kind: str, object_id: str) -> ApiError:
    """Return the 404 OpenAI gives for an unknown id."""
    return ApiError(404, f"No {kind} found with id '{object_id}'.")


def invalid(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    """Return a 400 invalid_request_error."""
    return ApiError(400, message, param=param, code=code)


def server_error(status: int = 500) -> ApiError:
    """Return the 5xx OpenAI gives when it fails."""
    return ApiError(status, "The server had an error while processing your request. "
                            "Sorry about that!", type="server_error")


def rate_limited(retry_after: float) -> ApiError:
    """Return a 429 with Retry-After, as OpenAI's rate limiter does."""
    seconds = max(retry_after, 0.0)
    return ApiError(429, "Rate limit reached for requests. Please try again in "
                         f"{seconds:g}s.", type="requests", code="rate_limit_exceeded",
                    headers={"retry-after": f"{seconds:g}",
                             "retry-after-ms": str(int(seconds * 1000)),
                             "x-ratelimit-remaining-requests": "0"})
