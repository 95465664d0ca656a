"""The relay client (SPEC.md §17): ``pass_``, ``catch``, ``done``, ``status``,
``wait`` and ``list_handoffs`` over HTTP with httpx, blocking (:class:`Baton`) or
asyncio (:class:`AsyncBaton`).

No baton rule lives here: the relay applies patches with the same core.
Request bodies and responses keep the wire's snake_case names. Both clients
build requests and read answers with the same helpers; only the transport
differs.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any, Dict, Mapping, Optional, Tuple, Union, cast
from urllib.parse import quote, unquote

import httpx

from ._types import (
    BatonDocument,
    BatonFields,
    BatonPatch,
    DoneResult,
    HandoffList,
    HandoffState,
    HandoffStatus,
    Issue,
    Job,
    Json,
    PassResult,
    Problem,
)

DEFAULT_BASE_URL = "http://127.0.0.1:7878"

#: The relay's longest long-poll, in seconds (SPEC.md §17).
MAX_WAIT_SECONDS = 60

_PICKUP = re.compile(r"/api/catch/([^/?#]+)/?(?:[?#].*)?$")


class RelayError(Exception):
    """An HTTP failure from the relay.

    ``status`` is the HTTP status (0 when no answer came), ``code`` the
    problem's stable code, ``problem`` the whole RFC 9457 document and
    ``errors`` the ``{code, path, message}`` issues of a 422.
    """

    status: int
    code: str
    problem: Problem

    def __init__(self, status: int, problem: Problem) -> None:
        detail = problem.get("detail") or problem.get("title") or "relay request failed"
        super().__init__(f"{problem['code']} ({status}): {detail}")
        self.status = status
        self.code = problem["code"]
        self.problem = problem

    @property
    def errors(self) -> "list[Issue]":
        return list(self.problem.get("errors") or [])


def _handoff_id(url_or_id: str) -> str:
    """A handoff id from an id or a pickup URL (``.../api/catch/<id>``).

    Only the id of a pickup URL is used: the request goes to this client's
    relay, so the token is never sent to a host named by someone else's URL.
    """
    if not isinstance(url_or_id, str) or not url_or_id:
        raise TypeError("a handoff id or pickup URL (a non-empty str) is required")
    match = _PICKUP.search(url_or_id)
    return unquote(match.group(1)) if match else url_or_id


def _compact(members: Mapping[str, Any]) -> Dict[str, Any]:
    """The members that were given (``None`` is the wire's default for each)."""
    return {name: value for name, value in members.items() if value is not None}


_Request = Tuple[str, str, Dict[str, Any]]

#: A baton to pass: a dict (it travels inside the JSON body, so not JSON text).
BatonArg = Union[BatonFields, BatonDocument, Mapping[str, Any]]


class _Wire:
    """Requests and answers, shared by the blocking and the asyncio client."""

    def __init__(self, token: str, base_url: Optional[str]) -> None:
        if not isinstance(token, str) or not token:
            raise TypeError("a relay token (`baton_...`) is required")
        self.base_url = (base_url or os.environ.get("BATON_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.headers = {"authorization": f"Bearer {token}", "accept": "application/json"}
        #: Lease tokens of the handoffs this client caught, sent back with ``done``.
        self.leases: Dict[str, str] = {}

    def pass_(self, body: Dict[str, Any], idempotency_key: Optional[str]) -> _Request:
        headers = {} if idempotency_key is None else {"idempotency-key": idempotency_key}
        return "POST", "/api/pass", {"json": body, "headers": headers}

    def catch(self, url_or_id: str) -> _Request:
        return "POST", f"/api/catch/{quote(_handoff_id(url_or_id), safe='')}", {}

    def done(self, baton_id: str, body: Dict[str, Any]) -> _Request:
        handoff = _handoff_id(baton_id)
        if "lease_token" not in body and handoff in self.leases:
            body["lease_token"] = self.leases[handoff]
        return "POST", f"/api/done/{quote(handoff, safe='')}", {"json": body}

    def status(self, baton_id: str, wait: Optional[int]) -> _Request:
        params = {} if wait is None else {"wait": str(wait)}
        return "GET", f"/api/status/{quote(_handoff_id(baton_id), safe='')}", {"params": params}

    def list_handoffs(self, query: Dict[str, Any]) -> _Request:
        return "GET", "/api/handoffs", {"params": {k: str(v) for k, v in query.items()}}

    @staticmethod
    def answer(response: httpx.Response) -> Any:
        try:
            data = response.json() if response.content else None
        except ValueError:
            data = None
        if response.is_success:
            return data
        if isinstance(data, dict) and isinstance(data.get("code"), str):
            problem = cast(Problem, data)
        else:
            problem = {
                "code": "http_error",
                "title": response.reason_phrase,
                "status": response.status_code,
                "detail": response.text[:200],
            }
        raise RelayError(response.status_code, problem)

    @staticmethod
    def unreachable(method: str, url: str, err: Exception) -> RelayError:
        return RelayError(0, {"code": "unreachable", "title": "relay unreachable", "detail": f"{method} {url}: {err}"})

    @staticmethod
    def next_wait(deadline: float) -> int:
        return max(0, min(MAX_WAIT_SECONDS, int(deadline - time.monotonic() + 0.999)))

    @staticmethod
    def timed_out(state: HandoffState, timeout: float) -> RelayError:
        return RelayError(0, {
            "code": "timeout",
            "title": "wait timed out",
            "detail": f"handoff {state['baton_id']} is still {state['status']} after {timeout} s",
        })


def _pass_body(task: str, output: Json, context: Json, constraints: Json, baton: Optional[BatonArg],
               to: Optional[str], ttl_seconds: Optional[int], lease_seconds: Optional[int]) -> Dict[str, Any]:
    return {"task": task, **_compact({
        "output": output, "context": context, "constraints": constraints, "baton": baton,
        "to": to, "ttl_seconds": ttl_seconds, "lease_seconds": lease_seconds,
    })}


def _done_body(output: Json, baton_patch: Optional[BatonPatch], stage: Optional[str],
               lease_token: Optional[str]) -> Dict[str, Any]:
    return _compact({"output": output, "baton_patch": baton_patch, "stage": stage, "lease_token": lease_token})


_TERMINAL = ("done", "expired")

# The long-poll holds a request open for up to a minute: the read timeout must outlast it.
_POLL_SLACK = 10.0


class Baton:
    """A blocking client of one relay, holding one workspace's token.

    >>> relay = Baton("baton_...", base_url="http://127.0.0.1:7878")  # doctest: +SKIP
    >>> handoff = relay.pass_("Review this draft", output={"draft": "Hello..."})  # doctest: +SKIP
    """

    def __init__(self, token: str, base_url: Optional[str] = None, *, timeout: float = 30.0,
                 transport: Optional[httpx.BaseTransport] = None) -> None:
        self._wire = _Wire(token, base_url)
        self._timeout = timeout
        self._http = httpx.Client(base_url=self._wire.base_url, headers=self._wire.headers,
                                  timeout=timeout, transport=transport)

    @property
    def base_url(self) -> str:
        return self._wire.base_url

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Baton":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, request: _Request, timeout: Optional[float] = None) -> Any:
        method, path, extra = request
        try:
            response = self._http.request(method, path, timeout=timeout or self._timeout, **extra)
        except httpx.TransportError as err:
            raise _Wire.unreachable(method, self._wire.base_url + path, err) from err
        return _Wire.answer(response)

    def pass_(self, task: str, *, output: Json = None, context: Json = None, constraints: Json = None,
              baton: Optional[BatonArg] = None, to: Optional[str] = None, ttl_seconds: Optional[int] = None,
              lease_seconds: Optional[int] = None, idempotency_key: Optional[str] = None) -> PassResult:
        """Passes a task (and its baton) to whoever catches it."""
        body = _pass_body(task, output, context, constraints, baton, to, ttl_seconds, lease_seconds)
        return cast(PassResult, self._send(self._wire.pass_(body, idempotency_key)))

    def catch(self, url_or_id: str) -> Job:
        """Claims a handoff by pickup URL or id; the job carries its ``lease_token``."""
        job = cast(Job, self._send(self._wire.catch(url_or_id)))
        self._wire.leases[job["baton_id"]] = job["lease_token"]
        return job

    def done(self, baton_id: str, *, output: Json = None, baton_patch: Optional[BatonPatch] = None,
             stage: Optional[str] = None, lease_token: Optional[str] = None) -> DoneResult:
        """Marks a caught handoff done; sends this client's lease token unless one is given."""
        request = self._wire.done(baton_id, _done_body(output, baton_patch, stage, lease_token))
        result = cast(DoneResult, self._send(request))
        self._wire.leases.pop(result["baton_id"], None)
        return result

    def status(self, baton_id: str, *, wait: Optional[int] = None) -> HandoffState:
        """A handoff's state, without side effects; ``wait`` long-polls up to that many seconds."""
        timeout = None if wait is None else wait + _POLL_SLACK
        return cast(HandoffState, self._send(self._wire.status(baton_id, wait), timeout))

    def wait(self, baton_id: str, *, timeout: float = 300.0) -> HandoffState:
        """Blocks until the handoff is ``done`` or ``expired``; :class:`RelayError` ``timeout`` after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.status(baton_id, wait=_Wire.next_wait(deadline))
            if state["status"] in _TERMINAL:
                return state
            if time.monotonic() >= deadline:
                raise _Wire.timed_out(state, timeout)

    def list_handoffs(self, *, to: Optional[str] = None, status: Optional[HandoffStatus] = None,
                      limit: Optional[int] = None, after: Optional[str] = None) -> HandoffList:
        """The workspace's handoffs, oldest first; pass ``next`` as ``after`` for the next page."""
        query = _compact({"to": to, "status": status, "limit": limit, "after": after})
        return cast(HandoffList, self._send(self._wire.list_handoffs(query)))


class AsyncBaton:
    """The asyncio client: :class:`Baton`'s methods as coroutines."""

    def __init__(self, token: str, base_url: Optional[str] = None, *, timeout: float = 30.0,
                 transport: Optional[httpx.AsyncBaseTransport] = None) -> None:
        self._wire = _Wire(token, base_url)
        self._timeout = timeout
        self._http = httpx.AsyncClient(base_url=self._wire.base_url, headers=self._wire.headers,
                                       timeout=timeout, transport=transport)

    @property
    def base_url(self) -> str:
        return self._wire.base_url

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncBaton":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _send(self, request: _Request, timeout: Optional[float] = None) -> Any:
        method, path, extra = request
        try:
            response = await self._http.request(method, path, timeout=timeout or self._timeout, **extra)
        except httpx.TransportError as err:
            raise _Wire.unreachable(method, self._wire.base_url + path, err) from err
        return _Wire.answer(response)

    async def pass_(self, task: str, *, output: Json = None, context: Json = None, constraints: Json = None,
                    baton: Optional[BatonArg] = None, to: Optional[str] = None,
                    ttl_seconds: Optional[int] = None, lease_seconds: Optional[int] = None,
                    idempotency_key: Optional[str] = None) -> PassResult:
        """Passes a task (and its baton) to whoever catches it."""
        body = _pass_body(task, output, context, constraints, baton, to, ttl_seconds, lease_seconds)
        return cast(PassResult, await self._send(self._wire.pass_(body, idempotency_key)))

    async def catch(self, url_or_id: str) -> Job:
        """Claims a handoff by pickup URL or id; the job carries its ``lease_token``."""
        job = cast(Job, await self._send(self._wire.catch(url_or_id)))
        self._wire.leases[job["baton_id"]] = job["lease_token"]
        return job

    async def done(self, baton_id: str, *, output: Json = None, baton_patch: Optional[BatonPatch] = None,
                   stage: Optional[str] = None, lease_token: Optional[str] = None) -> DoneResult:
        """Marks a caught handoff done; sends this client's lease token unless one is given."""
        request = self._wire.done(baton_id, _done_body(output, baton_patch, stage, lease_token))
        result = cast(DoneResult, await self._send(request))
        self._wire.leases.pop(result["baton_id"], None)
        return result

    async def status(self, baton_id: str, *, wait: Optional[int] = None) -> HandoffState:
        """A handoff's state, without side effects; ``wait`` long-polls up to that many seconds."""
        timeout = None if wait is None else wait + _POLL_SLACK
        return cast(HandoffState, await self._send(self._wire.status(baton_id, wait), timeout))

    async def wait(self, baton_id: str, *, timeout: float = 300.0) -> HandoffState:
        """Waits until the handoff is ``done`` or ``expired``; :class:`RelayError` ``timeout`` after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            state = await self.status(baton_id, wait=_Wire.next_wait(deadline))
            if state["status"] in _TERMINAL:
                return state
            if time.monotonic() >= deadline:
                raise _Wire.timed_out(state, timeout)

    async def list_handoffs(self, *, to: Optional[str] = None, status: Optional[HandoffStatus] = None,
                            limit: Optional[int] = None, after: Optional[str] = None) -> HandoffList:
        """The workspace's handoffs, oldest first; pass ``next`` as ``after`` for the next page."""
        query = _compact({"to": to, "status": status, "limit": limit, "after": after})
        return cast(HandoffList, await self._send(self._wire.list_handoffs(query)))
