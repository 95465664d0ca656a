"""The baton: a small JSON hand-off document for multi-agent pipelines.

Every function is the Rust core (``baton._baton``) with Python types around it:
batons and patches go in as dicts or as JSON text (a ``str`` argument is always
JSON text), results come out as plain dicts in canonical member order, or as
canonical JSON text with ``json=True``. Bad input raises :class:`BatonError`
(a ``ValueError``) with every ``{code, path, message}`` issue; an argument of
the wrong Python type (``stage=5``) raises ``TypeError``. See SPEC.md.
"""

from __future__ import annotations

from typing import Any, Literal, Mapping, Optional, Union, cast, overload

from . import _baton
from ._errors import BatonError
from ._client import AsyncBaton, Baton, RelayError
from ._types import (
    BatonDocument,
    BatonFields,
    BatonPatch,
    DecisionLogEdit,
    DoneResult,
    HandoffList,
    HandoffState,
    HandoffStatus,
    HandoffSummary,
    HistoryEntry,
    Issue,
    IssueCode,
    Json,
    Job,
    ListEdit,
    PassResult,
    Problem,
    ValidationReport,
    VerifyReport,
)

__all__ = [
    "AsyncBaton", "Baton", "BatonDocument", "BatonError", "BatonFields", "BatonPatch",
    "DecisionLogEdit", "DoneResult", "HandoffList", "HandoffState", "HandoffStatus",
    "HandoffSummary", "HistoryEntry", "Issue", "IssueCode", "Job", "Json", "ListEdit",
    "PassResult", "Problem", "RelayError", "ValidationReport", "VerifyReport",
    "apply_patch", "create", "diff", "estimate_tokens", "extract_patch", "merge_patch",
    "prompt", "render", "schema", "to_json", "validate", "verify",
]

__version__ = "0.1.0"

#: A baton argument: a dict, or its JSON text.
BatonInput = Union[BatonFields, BatonDocument, Mapping[str, Any], str]
#: A patch argument: a dict, or its JSON text.
PatchInput = Union[BatonPatch, Mapping[str, Any], str]


def validate(document: Any, *, budget: int = 1000) -> ValidationReport:
    """Every error and warning of a document at once; never raises on the document."""
    return _baton.validate(document, budget)


@overload
def apply_patch(baton: BatonInput, patch: PatchInput, *, stage: str, at: Optional[str] = ..., json: Literal[False] = ...) -> BatonDocument: ...
@overload
def apply_patch(baton: BatonInput, patch: PatchInput, *, stage: str, at: Optional[str] = ..., json: Literal[True]) -> str: ...
def apply_patch(baton: BatonInput, patch: PatchInput, *, stage: str, at: Optional[str] = None, json: bool = False) -> Union[BatonDocument, str]:
    """Applies a baton patch atomically and records it in the history (``at`` defaults to now)."""
    return cast("Union[BatonDocument, str]", _baton.apply_patch(baton, patch, stage, at, json))


@overload
def create(fields: BatonInput, *, stage: str, at: Optional[str] = ..., json: Literal[False] = ...) -> BatonDocument: ...
@overload
def create(fields: BatonInput, *, stage: str, at: Optional[str] = ..., json: Literal[True]) -> str: ...
def create(fields: BatonInput, *, stage: str, at: Optional[str] = None, json: bool = False) -> Union[BatonDocument, str]:
    """A new baton whose history starts with the given fields."""
    return cast("Union[BatonDocument, str]", _baton.create(fields, stage, at, json))


def verify(baton: BatonInput) -> VerifyReport:
    """Replays the history; ``ok`` is False with ``history_mismatch`` issues where it disagrees."""
    return _baton.verify(baton)


@overload
def diff(old: BatonInput, new: BatonInput, *, json: Literal[False] = ...) -> BatonPatch: ...
@overload
def diff(old: BatonInput, new: BatonInput, *, json: Literal[True]) -> str: ...
def diff(old: BatonInput, new: BatonInput, *, json: bool = False) -> Union[BatonPatch, str]:
    """The baton patch that turns ``old`` into ``new`` (``append_only`` if decisions are dropped)."""
    return cast("Union[BatonPatch, str]", _baton.diff(old, new, json))


@overload
def merge_patch(target: Json, patch: Json, *, json: Literal[False] = ...) -> Json: ...
@overload
def merge_patch(target: Json, patch: Json, *, json: Literal[True]) -> str: ...
def merge_patch(target: Json, patch: Json, *, json: bool = False) -> Union[Json, str]:
    """Plain RFC 7396 merge patch on any JSON (a ``str`` argument is JSON text)."""
    return cast("Union[Json, str]", _baton.merge_patch(target, patch, json))


def render(
    baton: BatonInput,
    *,
    max_tokens: Optional[int] = None,
    history: bool = False,
    extensions: bool = False,
) -> str:
    """The baton as Markdown for a prompt; ``max_tokens`` leaves out the oldest decisions."""
    return _baton.render_with(baton, max_tokens, history, extensions)


def estimate_tokens(text: str) -> int:
    """The deterministic token estimate of SPEC.md §11."""
    return _baton.estimate_tokens(text)


def to_json(baton: BatonInput, *, pretty: bool = False) -> str:
    """Canonical JSON of a baton (SPEC.md §9), compact or pretty."""
    return _baton.to_json(baton, pretty)


def prompt(baton: BatonInput, stage: str) -> str:
    """The Markdown to put before ``stage``, with instructions for returning a ``baton_patch``."""
    return _baton.prompt(baton, stage)


@overload
def extract_patch(reply: str, *, json: Literal[False] = ...) -> BatonPatch: ...
@overload
def extract_patch(reply: str, *, json: Literal[True]) -> str: ...
def extract_patch(reply: str, *, json: bool = False) -> Union[BatonPatch, str]:
    """The baton patch in a model's reply: a fenced json block, a bare object or a wrapper."""
    return cast("Union[BatonPatch, str]", _baton.extract_patch(reply, json))


def schema(kind: Literal["baton", "patch"] = "baton") -> dict[str, Json]:
    """The JSON Schema (draft 2020-12) of a baton or of a patch."""
    return cast("dict[str, Json]", _baton.schema(kind))
