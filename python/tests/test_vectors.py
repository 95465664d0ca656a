"""Runs every shared vector (tests/vectors/*.json, unchanged) through the Python API.

Mirrors npm/test/vector-runner.js: a vector input that is itself a string goes
in as its JSON text (a ``str`` argument is JSON text), ``*_text`` inputs go in
as the string, issues are compared in order (code, path and message where the
vector gives one), and a diff is also applied to ``old`` to check it gives
``new``'s fields. An unknown ``op`` or an ``expect`` the runner cannot check
fails the case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest

import baton
from baton import BatonError

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors"
RENDER_OPTION_KEYS = ("max_tokens", "history", "extensions")


def _load_cases() -> List[Tuple[str, str, Dict[str, Any]]]:
    cases = []
    for file in sorted(VECTORS.glob("*.json")):
        suite = json.loads(file.read_text(encoding="utf-8"))
        for case in suite["cases"]:
            cases.append((file.stem, case["name"], case))
    return cases


CASES = _load_cases()


def json_equal(a: Any, b: Any) -> bool:
    """Deep JSON equality: member order does not matter, numbers compare by value,
    and (unlike Python's ``==``) ``true`` is not ``1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return False


def show(v: Any) -> str:
    text = json.dumps(v, ensure_ascii=False)
    return text if len(text) < 2000 else text[:2000] + "…"


def issues_match(expected: List[Dict[str, Any]], actual: List[Dict[str, Any]], what: str) -> None:
    same = len(expected) == len(actual) and all(
        e["code"] == a["code"]
        and e["path"] == a["path"]
        and ("message" not in e or e["message"] == a["message"])
        for e, a in zip(expected, actual)
    )
    assert same, f"{what}: expected {show(expected)}\n got {show(actual)}"


def inp(case: Dict[str, Any], name: str) -> Any:
    """The input ``name``, or ``name_text`` as JSON text."""
    given = case["input"]
    if name in given:
        v = given[name]
        return json.dumps(v) if isinstance(v, str) else v
    if f"{name}_text" in given:
        text = given[f"{name}_text"]
        assert isinstance(text, str)
        return text
    raise AssertionError(f"input {name} missing")


def equal(want: Any, got: Any) -> None:
    assert json_equal(want, got), f"expected {show(want)}\n got {show(got)}"


def same_text(want: Any, got: Any) -> None:
    assert isinstance(got, str)
    assert want == got, f"expected {show(want)}\n got {show(got)}"


def fields(b: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in b.items() if k not in ("version", "history")}


def outcome(case: Dict[str, Any], key: str, fn: Callable[[], Any], check: Callable[[Any, Any], None]) -> None:
    expect = case["expect"]
    try:
        result = fn()
    except BatonError as err:
        assert "errors" in expect, f"expected success, got {err} {show(err.errors)}"
        issues_match(expect["errors"], err.errors, "errors")
        return
    assert "errors" not in expect, f"expected errors {show(expect['errors'])}, it succeeded"
    assert key in expect, f"expect has neither errors nor {key}"
    check(expect[key], result)


def run_render(case: Dict[str, Any]) -> str:
    b = inp(case, "baton")
    if "options" not in case["input"]:
        return baton.render(b)
    o = case["input"]["options"]
    if isinstance(o, dict) and all(k in RENDER_OPTION_KEYS for k in o):
        # The keyword API; values go through unchecked, so bad ones reach the core.
        return baton.render(b, **o)
    # Unknown keys or options that are not an object: only the extension module
    # takes them, and they must still reach the core.
    return baton._baton.render(b, o)  # type: ignore[no-any-return]


def run_case(case: Dict[str, Any]) -> None:
    op = case["op"]
    given = case["input"]
    expect = case["expect"]
    at = given.get("at")
    if op == "validate":
        kwargs = {"budget": given["budget"]} if "budget" in given else {}
        report = baton.validate(inp(case, "document"), **kwargs)
        assert set(report) == {"valid", "errors", "warnings"}
        assert report["valid"] is expect["valid"], f"expected valid={expect['valid']}: {show(report['errors'])}"
        issues_match(expect["errors"], report["errors"], "errors")
        issues_match(expect["warnings"], report["warnings"], "warnings")
    elif op == "apply_patch":
        outcome(case, "baton", lambda: baton.apply_patch(inp(case, "baton"), inp(case, "patch"), stage=given["stage"], at=at), equal)
    elif op == "create":
        outcome(case, "baton", lambda: baton.create(inp(case, "fields"), stage=given["stage"], at=at), equal)
    elif op == "verify":
        def run_verify() -> bool:
            report = baton.verify(inp(case, "baton"))
            if not report["ok"]:
                raise BatonError(report["errors"])
            assert report["errors"] == []
            return True

        outcome(case, "ok", run_verify, equal)
    elif op == "diff":
        def check_diff(want: Any, patch: Any) -> None:
            equal(want, patch)
            # SPEC §7: the diff applied to old gives new's fields.
            applied = baton.apply_patch(inp(case, "old"), patch, stage="diff", at="2026-01-01T00:00:00Z")
            target = json.loads(baton.to_json(inp(case, "new")))
            equal(fields(target), fields(dict(applied)))

        outcome(case, "patch", lambda: baton.diff(inp(case, "old"), inp(case, "new")), check_diff)
    elif op == "merge_patch":
        outcome(case, "result", lambda: baton.merge_patch(inp(case, "target"), inp(case, "patch")), equal)
    elif op == "render":
        outcome(case, "markdown", lambda: run_render(case), same_text)
    elif op == "estimate_tokens":
        assert "tokens" in expect, "expect has no tokens"
        got = baton.estimate_tokens(given["text"])
        assert type(got) is int
        equal(expect["tokens"], got)
    elif op == "to_json":
        def check_json(want: Any, got: Any) -> None:
            same_text(want, got)
            if "pretty" in expect:
                same_text(expect["pretty"], baton.to_json(inp(case, "baton"), pretty=True))

        outcome(case, "compact", lambda: baton.to_json(inp(case, "baton")), check_json)
    elif op == "prompt":
        outcome(case, "text", lambda: baton.prompt(inp(case, "baton"), given["stage"]), same_text)
    elif op == "extract_patch":
        outcome(case, "patch", lambda: baton.extract_patch(given["reply"]), equal)
    else:
        raise AssertionError(f"unknown op {op}")


@pytest.mark.parametrize("case", [c for _, _, c in CASES], ids=[f"{f}/{n}" for f, n, _ in CASES])
def test_vector(case: Dict[str, Any]) -> None:
    run_case(case)


def test_enough_vectors_collected() -> None:
    assert len(CASES) >= 150, f"only {len(CASES)} vector cases found in {VECTORS}"
    files = {f for f, _, _ in CASES}
    assert len(files) >= 15, files
    # Case names are unique within a file, so every parametrized id is distinct.
    assert len({(f, n) for f, n, _ in CASES}) == len(CASES)


def test_json_equal_is_strict() -> None:
    """The comparison itself: True is not 1, 1 is 1.0, order of members is free."""
    assert json_equal({"a": 1, "b": [1.0]}, {"b": [1], "a": 1.0})
    assert not json_equal(True, 1)
    assert not json_equal([True], [1])
    assert not json_equal(None, {})
    assert not json_equal({"a": 1}, {"a": 1, "b": 2})
    assert not json_equal("1", 1)
