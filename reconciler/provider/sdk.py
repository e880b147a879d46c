"""What every provider over the official `openai` SDK shares: SDK errors translated into the
provider's own classes, pagination, the list/retrieve/create/update/delete of one resource,
and the HTTP client that retries reads.

The SDK's own retries are switched off (`max_retries=0`): a blind retry of a create whose
outcome is unknown makes a duplicate. The engine retries writes, after looking for the
object. Reads (GET) are idempotent, so `ReadRetryingClient` retries every one of them, for
every command, with the same policy as writes (`apply.retry`): one 429, 5xx, timeout or
dropped connection on a list or retrieve never aborts a plan, an apply or an inventory.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx2
import openai

from reconciler.model.kindspec import load, registry
from reconciler.neterrors import explain
from reconciler.provider import (
    LiveObject,
    NotFoundError,
    ProviderError,
    RejectedError,
    TransientError,
    UnsupportedError,
)
from reconciler.provider.retry import Attempts, Interrupted, RetryPolicy, retrying

# The Assistants API is deprecated by OpenAI; managing it is this kind's purpose.
warnings.filterwarnings("ignore", message="deprecated", category=DeprecationWarning,
                        module=r"reconciler\.(provider|kinds)")

T = TypeVar("T")
PAGE_SIZE = 100


def translate(exc: openai.OpenAIError) -> ProviderError:
    """Map an SDK error to the provider's error classes (never leaks HTTP upwards)."""
    if isinstance(exc, openai.APIConnectionError):  # includes timeouts
        return TransientError(f"connection failed: {exc}")
    if not isinstance(exc, openai.APIStatusError):
        return ProviderError(str(exc))
    status = exc.status_code
    message = _message(exc)
    if status == 429 or status >= 500:
        return TransientError(message, status=status, retry_after=_retry_after(exc))
    if status == 404:
        return NotFoundError(message, status=status)
    if status == 410:
        return UnsupportedError(message, status=status)
    if status in (401, 403):
        return ProviderError(message, status=status,
                             hint="check the API key (OPENAI_API_KEY) and its project")
    return RejectedError(message, status=status)


def _message(exc: openai.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body) if isinstance(body, dict) else {}
    text = error.get("message") if isinstance(error, dict) else None
    param = error.get("param") if isinstance(error, dict) else None
    text = text or str(exc)
    return f"{exc.status_code}: {text}" + (f" (param: {param})" if param else "")


def _retry_after(exc: openai.APIStatusError) -> float | None:
    return retry_after(exc.response.headers)


def retry_after(headers: httpx2.Headers) -> float | None:
    """Seconds the server asks us to wait (`retry-after-ms`, `retry-after`), if it says."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return float(value) * scale
            except ValueError:
                continue
    return None


def call(operation: Callable[[], T]) -> T:
    """Run one SDK call, translating its errors."""
    try:
        return operation()
    except openai.OpenAIError as exc:
        if isinstance(exc.__cause__, Interrupted):  # a read refused to start: not a failure
            raise exc.__cause__ from None
        raise explain(translate(exc), exc) from exc


class _FailedRead(TransientError):
    """A read worth retrying: the answer (429, 5xx) or the transport error it met."""

    def __init__(self, *, response: httpx2.Response | None = None,
                 error: httpx2.TransportError | None = None) -> None:
        status = None if response is None else response.status_code
        super().__init__(f"GET failed ({status or error!r})", status=status,
                         retry_after=None if response is None else retry_after(response.headers))
        self.response = response
        self.error = error


class ReadRetryingClient(openai.DefaultHttpxClient):
    """The SDK's HTTP client, retrying GET requests on 429, 5xx, timeouts and dropped
    connections (`policy`: backoff with full jitter, Retry-After honoured, bounded in time).

    When the policy's time runs out, the last answer is handed to the SDK (which raises its
    error, translated by `call`) or the last transport error is raised. Other methods are
    sent once: whether a write may be repeated is for the engine to decide."""

    def __init__(self, *, policy: RetryPolicy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        self.reached = False
        """Whether the server has answered once: until then, a connection that cannot be
        made (nothing listens, no such host) is a wrong address, reported at once."""

    def send(self, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        if request.method != "GET":
            response = super().send(request, **kwargs)
            self.reached = True
            return response

        def attempt() -> httpx2.Response:
            try:  # the body is read here (unless streamed): a drop mid-answer is retried too
                response = super(ReadRetryingClient, self).send(request, **kwargs)
            except httpx2.ConnectError as error:
                if not self.reached:
                    raise
                raise _FailedRead(error=error) from error
            except httpx2.TransportError as error:
                raise _FailedRead(error=error) from error
            self.reached = True
            if response.status_code == 429 or response.status_code >= 500:
                raise _FailedRead(response=response)
            return response

        try:
            return retrying(attempt, self.policy, Attempts())
        except _FailedRead as failed:
            if failed.response is not None:
                return failed.response
            assert failed.error is not None
            raise failed.error from None


def as_dict(item: Any) -> dict[str, Any]:
    """The API object exactly as the server sent it (keys it did not send are left out)."""
    data: dict[str, Any] = item.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return data


def pages(first: Callable[[], Any]) -> Iterator[list[Any]]:
    """Every page of a list: the SDK's own cursor pagination, each request translated.

    A page that does not say `has_more: true` is the last (the SDK would ask again when the
    field is missing, forever on a compatible server that also ignores `after`)."""
    page = call(first)
    while True:
        yield page.data
        if getattr(page, "has_more", None) is not True or not page.has_next_page():
            return
        page = call(page.get_next_page)


class SdkProvider:
    """Live objects of one kind behind one SDK resource: list, retrieve, create, update,
    delete.

    A kind's provider names its kind and the SDK resource (`path`, e.g. `beta.agents`)."""

    kind: str
    path: str

    def __init__(self, client: openai.OpenAI) -> None:
        self.client = client

    def _resource(self) -> Any:
        resource: Any = self.client
        for part in self.path.split("."):
            resource = getattr(resource, part)
        return resource

    def _wrap(self, item: Any) -> LiveObject:
        raw = as_dict(item)
        return LiveObject(kind=self.kind, id=raw["id"], created_at=int(raw["created_at"]),
                          raw=raw)

    def _pages(self, order: str) -> Iterator[list[LiveObject]]:
        """Pages of the kind's objects; what its `hides` hook names (objects of the same API
        that are not of this kind) left out."""
        reference = registry().get(self.kind).hides
        hidden = load(reference) if reference is not None else None
        try:
            for page in pages(functools.partial(self._resource().list, limit=PAGE_SIZE,
                                                order=order)):
                wrapped = [self._wrap(item) for item in page]
                yield [o for o in wrapped if hidden is None
                       or not hidden(o.raw.get("metadata"))]
        except (NotFoundError, UnsupportedError) as exc:
            raise UnsupportedError(f"the server does not serve the {self.kind} API "
                                   f"({exc.message})", status=exc.status,
                                   hint=exc.hint) from exc

    def read_all(self) -> list[LiveObject]:
        return [item for page in self._pages("asc") for item in page]

    def find_recent(self, since: int) -> list[LiveObject]:
        found: list[LiveObject] = []
        for page in self._pages("desc"):
            found.extend(item for item in page if item.created_at >= since)
            if any(item.created_at < since for item in page):
                break
        return found

    def retrieve(self, object_id: str) -> LiveObject:
        return self._wrap(call(lambda: self._resource().retrieve(object_id)))

    def create(self, body: dict[str, Any]) -> LiveObject:
        return self._wrap(call(lambda: self._resource().create(**body)))

    def update(self, object_id: str, body: dict[str, Any]) -> LiveObject:
        return self._wrap(call(lambda: self._resource().update(object_id, **body)))

    def delete(self, object_id: str) -> None:
        call(lambda: self._resource().delete(object_id))
