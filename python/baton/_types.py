"""Typed shapes of the wire format (snake_case, as in every runtime)."""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional, Union

if sys.version_info >= (3, 11):
    from typing import Literal, NotRequired, Required, TypedDict
else:  # pragma: no cover - exercised on older interpreters only
    from typing_extensions import Literal, NotRequired, Required, TypedDict

#: Any JSON value (dicts, lists, str, int, float, bool, None).
Json = Any

IssueCode = Literal[
    "type", "required", "empty", "unknown_field", "version", "append_only",
    "unknown_op", "read_only", "invalid_json", "duplicate_key", "too_deep",
    "timestamp", "invalid_argument", "no_patch", "history_mismatch",
    "unrepresentable", "over_budget", "duplicate",
]


class Issue(TypedDict):
    """One error or warning; ``path`` is an RFC 6901 JSON Pointer."""

    code: str
    path: str
    message: str


class ListEdit(TypedDict, total=False):
    """Remove every occurrence of ``remove``, then append each new ``add``."""

    add: List[str]
    remove: List[str]


class DecisionLogEdit(TypedDict, total=False):
    """``decision_log`` only grows."""

    add: List[str]


class HistoryEntry(TypedDict):
    stage: str
    at: str
    patch: Dict[str, Json]


class BatonFields(TypedDict, total=False):
    """A baton as the package accepts it (``x-`` extensions are allowed too)."""

    goal: Required[str]
    version: Literal[1]
    current_state: List[str]
    decision_log: List[str]
    constraints: List[str]
    open_questions: List[str]
    work_scope: List[str]
    artifacts: List[str]
    acceptance: List[str]
    history: List[HistoryEntry]


class BatonDocument(TypedDict):
    """A baton as the package returns it: every member, in canonical order."""

    version: Literal[1]
    goal: str
    current_state: List[str]
    decision_log: List[str]
    constraints: List[str]
    open_questions: List[str]
    work_scope: List[str]
    artifacts: List[str]
    acceptance: List[str]
    history: List[HistoryEntry]


ListPatch = Union[List[str], ListEdit, None]


class BatonPatch(TypedDict, total=False):
    """A baton patch (SPEC.md §5); ``x-`` members merge by RFC 7396."""

    goal: str
    decision_log: Union[List[str], DecisionLogEdit]
    current_state: ListPatch
    constraints: ListPatch
    open_questions: ListPatch
    work_scope: ListPatch
    artifacts: ListPatch
    acceptance: ListPatch


class ValidationReport(TypedDict):
    valid: bool
    errors: List[Issue]
    warnings: List[Issue]


class VerifyReport(TypedDict):
    ok: bool
    errors: List[Issue]


HandoffStatus = Literal["pending", "caught", "done", "expired"]


class Problem(TypedDict, total=False):
    """An RFC 9457 problem document from the relay (SPEC.md §17)."""

    type: str
    title: str
    status: int
    detail: str
    code: Required[str]
    errors: List[Issue]


class PassResult(TypedDict):
    """What ``pass_`` answers."""

    baton_id: str
    pickup_url: str
    status: Literal["pending"]
    expires_at: str
    warnings: List[Issue]


class Job(TypedDict):
    """A caught handoff: the work to do; ``lease_token`` goes back with ``done``."""

    baton_id: str
    task: str
    output: Json
    context: Json
    constraints: Json
    baton: Optional[BatonDocument]
    to: Optional[str]
    status: Literal["caught"]
    lease_token: str
    lease_expires_at: str
    expires_at: str
    attempt: int


class DoneResult(TypedDict):
    """What ``done`` answers: the output and the patched baton."""

    baton_id: str
    status: Literal["done"]
    completed_at: str
    output: Json
    baton: Optional[BatonDocument]


class HandoffState(TypedDict):
    """A handoff's state; ``output`` and ``baton`` are the result, ``None`` until done."""

    baton_id: str
    status: HandoffStatus
    task: str
    to: Optional[str]
    created_at: str
    expires_at: str
    caught_at: Optional[str]
    lease_expires_at: Optional[str]
    completed_at: Optional[str]
    attempts: int
    output: Json
    baton: Optional[BatonDocument]


class HandoffSummary(TypedDict):
    """One row of ``list_handoffs``."""

    baton_id: str
    status: HandoffStatus
    task: str
    to: Optional[str]
    created_at: str
    expires_at: str
    pickup_url: str


class HandoffList(TypedDict):
    """A page of handoffs; pass ``next`` as ``after`` for the following page."""

    handoffs: List[HandoffSummary]
    next: Optional[str]


__all__ = [
    "BatonDocument", "BatonFields", "DoneResult", "HandoffList", "HandoffState", "HandoffStatus",
    "HandoffSummary", "Job", "PassResult", "Problem", "BatonPatch", "DecisionLogEdit", "HistoryEntry", "Issue",
    "IssueCode", "Json", "ListEdit", "ListPatch", "NotRequired", "ValidationReport",
    "VerifyReport",
]
