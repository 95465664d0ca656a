"""Bad input of every kind is a BatonError with a code and a path: never a panic, a
crash or a stack overflow, and the module keeps answering afterwards (SPEC §16)."""

from __future__ import annotations

import collections
import decimal
import fractions
import json
from typing import Any, Callable, Dict, Iterator, List

import pytest

import baton
from baton import BatonError

AT = "2026-01-31T12:00:00Z"
MB10 = 10 * 1024 * 1024


def still_works() -> None:
    b = baton.create({"goal": "Still works", "x-n": [1, 2.5, True]}, stage="check", at=AT)
    assert baton.render(b).split("\n")[3] == "Still works"
    assert baton.validate(b) == {"valid": True, "errors": [], "warnings": []}
    assert baton.apply_patch(b, {"decision_log": ["d"]}, stage="s", at=AT)["decision_log"] == ["d"]


@pytest.fixture(autouse=True)
def _module_still_works_after_each_test() -> Iterator[None]:
    yield
    still_works()


def raises(call: Callable[[], Any], code: str, path: str) -> BatonError:
    """``call`` raises exactly a BatonError (a PanicException is a BaseException and
    would escape ``pytest.raises(BatonError)``) whose first error is (code, path)."""
    with pytest.raises(BatonError) as info:
        call()
    err = info.value
    assert type(err) is BatonError
    assert (err.code, err.path) == (code, path), err.errors
    assert err.errors[0]["code"] == code and err.errors[0]["path"] == path
    return err


def nested_dicts(n: int, key: str = "x-a") -> Dict[str, Any]:
    v: Dict[str, Any] = {}
    for _ in range(n - 1):
        v = {key: v}
    return v


def nested_lists(n: int) -> List[Any]:
    v: List[Any] = []
    for _ in range(n - 1):
        v = [v]
    return v


class Opaque:
    pass


def _recursive_dict() -> Dict[str, Any]:
    d: Dict[str, Any] = {"goal": "loop"}
    d["x-self"] = d
    return d


def _recursive_list() -> Dict[str, Any]:
    items: List[Any] = []
    items.append(items)
    return {"goal": "loop", "x-l": items}


def _recursive_nested() -> Dict[str, Any]:
    inner: Dict[str, Any] = {}
    outer = {"goal": "loop", "x-o": {"k": [inner]}}
    inner["back"] = outer
    return outer


# label, value as the baton argument, expected code and path
BAD_BATONS = [
    ("None", None, "type", ""),
    ("an int", 42, "type", ""),
    ("a float", 1.5, "type", ""),
    ("True", True, "type", ""),
    ("a list", [], "type", ""),
    ("a tuple", ("goal",), "type", ""),
    ("bytes", b'{"goal": "a"}', "type", ""),
    ("bytearray", bytearray(b"{}"), "type", ""),
    ("a set", {"goal"}, "type", ""),
    ("a frozenset", frozenset(), "type", ""),
    ("an object", Opaque(), "type", ""),
    ("a class", Opaque, "type", ""),
    ("a function", lambda: 1, "type", ""),
    ("a generator", (x for x in "ab"), "type", ""),
    ("a range", range(3), "type", ""),
    ("a mappingproxy", type(Opaque.__dict__)({"goal": "a"}), "type", ""),
    ("a set member", {"goal": "a", "x-s": {1, 2}}, "type", "/x-s"),
    ("bytes member", {"goal": "a", "x-b": b"x"}, "type", "/x-b"),
    ("bytes entry", {"goal": "a", "constraints": ["ok", b"x"]}, "type", "/constraints/1"),
    ("a Decimal", {"goal": "a", "x-d": decimal.Decimal("1.5")}, "type", "/x-d"),
    ("a Fraction", {"goal": "a", "x-f": fractions.Fraction(1, 3)}, "type", "/x-f"),
    ("a complex", {"goal": "a", "x-c": 1j}, "type", "/x-c"),
    ("an object member", {"goal": "a", "x-o": {"deep": [Opaque()]}}, "type", "/x-o/deep/0"),
    ("NaN", {"goal": "a", "x-n": float("nan")}, "type", "/x-n"),
    ("inf in a list", {"goal": "a", "x-n": [1, float("inf")]}, "type", "/x-n/1"),
    ("-inf", {"goal": "a", "x-n": {"v": float("-inf")}}, "type", "/x-n/v"),
    ("an int key", {"goal": "a", 1: "b"}, "type", ""),
    ("a None key", {None: "a"}, "type", ""),
    ("a bytes key", {b"goal": "a"}, "type", ""),
    ("a nested int key", {"goal": "a", "x-a": [{"k": {1: 2}}]}, "type", "/x-a/0/k"),
    ("a nested tuple key", {"goal": "a", "x-a": {(1, 2): 2}}, "type", "/x-a"),
    ("a key with a slash", {"goal": "a", "x-a/b": {"c~d": {5: 1}}}, "type", "/x-a~1b/c~0d"),
    ("10**400", {"goal": "a", "x-n": 10**400}, "type", "/x-n"),
    ("-(10**400)", {"goal": "a", "x-n": [-(10**400)]}, "type", "/x-n/0"),
    ("2**1024 - 2**970 (rounds to infinity)", {"goal": "a", "x-n": 2**1024 - 2**970}, "type", "/x-n"),
    ("a recursive dict", _recursive_dict(), "too_deep", ""),
    ("a recursive list", _recursive_list(), "too_deep", ""),
    ("a cycle through dict and list", _recursive_nested(), "too_deep", ""),
    ("100,000-deep dicts", nested_dicts(100_000), "too_deep", ""),
    ("100,000-deep lists", {"goal": "a", "x-l": nested_lists(100_000)}, "too_deep", ""),
    ("101-deep data", {"goal": "a", "x-l": nested_lists(100)}, "too_deep", ""),
    ("65-deep x- value", {"goal": "a", "x-l": nested_lists(65)}, "too_deep", "/x-l"),
    ("100,000-deep JSON arrays", "[" * 100_000 + "]" * 100_000, "too_deep", ""),
    ("100,000-deep JSON objects", '{"a":' * 100_000 + "1" + "}" * 100_000, "too_deep", ""),
    ("100,000 unclosed [", "[" * 100_000, "too_deep", ""),
    ("10 MB of [", "[" * MB10, "too_deep", ""),
    ("invalid JSON text", '{"goal": ', "invalid_json", ""),
    ("10 MB of invalid JSON text", "a" * MB10, "invalid_json", ""),
    ("empty text", "", "invalid_json", ""),
    ("1e400 in text", '{"goal": "a", "x-n": 1e400}', "invalid_json", ""),
    ("a duplicate key", '{"goal": "a", "goal": "b"}', "duplicate_key", "/goal"),
    ("a lone surrogate escape in text", '{"goal": "\\ud800"}', "invalid_json", ""),
    ("a lone surrogate in text", '{"goal": "\ud800"}', "invalid_json", ""),
    ("a lone surrogate as text", "\ud800", "invalid_json", ""),
    ("a goal of 10 MB of spaces", {"goal": " " * MB10}, "empty", "/goal"),
    ("True as version", {"goal": "a", "version": True}, "version", "/version"),
    ("1.5 as version", {"goal": "a", "version": 1.5}, "version", "/version"),
]


@pytest.mark.parametrize("value, code, path", [c[1:] for c in BAD_BATONS], ids=[c[0] for c in BAD_BATONS])
def test_apply_patch_rejects(value: Any, code: str, path: str) -> None:
    raises(lambda: baton.apply_patch(value, {}, stage="s", at=AT), code, path)


@pytest.mark.parametrize("value, code, path", [c[1:] for c in BAD_BATONS], ids=[c[0] for c in BAD_BATONS])
def test_validate_reports(value: Any, code: str, path: str) -> None:
    report = baton.validate(value)
    assert report["valid"] is False
    assert (report["errors"][0]["code"], report["errors"][0]["path"]) == (code, path)
    assert report["warnings"] == []


@pytest.mark.parametrize("value, code, path", [c[1:] for c in BAD_BATONS], ids=[c[0] for c in BAD_BATONS])
def test_every_baton_function_rejects(value: Any, code: str, path: str) -> None:
    good = {"goal": "g"}
    calls: List[Callable[[], Any]] = [
        lambda: baton.verify(value),
        lambda: baton.to_json(value),
        lambda: baton.render(value),
        lambda: baton.prompt(value, "s"),
        lambda: baton.diff(value, good),
        lambda: baton.diff(good, value),
        lambda: baton.create(value, stage="s", at=AT),
    ]
    for call in calls:
        with pytest.raises(BatonError) as info:
            call()
        assert type(info.value) is BatonError
        assert info.value.errors and all(set(e) == {"code", "path", "message"} for e in info.value.errors)


@pytest.mark.parametrize("value, code, path", [c[1:] for c in BAD_BATONS if c[2] in ("type", "too_deep", "invalid_json")],
                         ids=[c[0] for c in BAD_BATONS if c[2] in ("type", "too_deep", "invalid_json")])
def test_bad_values_as_patches(value: Any, code: str, path: str) -> None:
    if not isinstance(value, dict) or code != "type" or path == "":
        # A patch that is not an object, or that cannot be converted at all.
        with pytest.raises(BatonError) as info:
            baton.apply_patch({"goal": "g"}, value, stage="s", at=AT)
        assert info.value.code in (code, "type")
    else:
        raises(lambda: baton.apply_patch({"goal": "g"}, value, stage="s", at=AT), code, path)


def test_merge_patch_rejects_unconvertible_values() -> None:
    raises(lambda: baton.merge_patch({"a": {1, 2}}, {}), "type", "/a")
    raises(lambda: baton.merge_patch({}, {"a": [b"x"]}), "type", "/a/0")
    raises(lambda: baton.merge_patch({}, float("nan")), "type", "")
    raises(lambda: baton.merge_patch(nested_lists(100_000), {}), "too_deep", "")
    raises(lambda: baton.merge_patch({}, nested_dicts(101)), "too_deep", "")
    raises(lambda: baton.merge_patch({}, _recursive_list()), "too_deep", "")
    # 100 levels is the limit, not beyond it.
    assert baton.merge_patch({}, nested_dicts(100)) == nested_dicts(100)
    assert baton.merge_patch(nested_lists(100), None) is None


def test_extract_patch_of_hostile_replies() -> None:
    raises(lambda: baton.extract_patch("{" * MB10), "no_patch", "")
    raises(lambda: baton.extract_patch("```json\n" + "[" * 100_000 + "]" * 100_000 + "\n```"), "too_deep", "")
    raises(lambda: baton.extract_patch('{"a":' * 100_000 + "1" + "}" * 100_000), "no_patch", "")
    raises(lambda: baton.extract_patch("```json\n" + "}" * MB10), "invalid_json", "")
    raises(lambda: baton.extract_patch(""), "no_patch", "")
    raises(lambda: baton.extract_patch('{"baton_patch": 5}'), "type", "/baton_patch")


# --- 10 MB strings -----------------------------------------------------------------------


def test_a_10_mb_entry_works() -> None:
    big = "word " * (2 * 1024 * 1024)  # 10 MiB, 2 Mi tokens
    b = baton.apply_patch({"goal": "g"}, {"constraints": [big.strip() + "!"]}, stage="s", at=AT)
    entry = b["constraints"][0]
    assert len(entry) == len(big)  # strip() took one space, "!" put one character back
    assert entry.endswith("word!")
    assert baton.estimate_tokens(big) == 2 * 1024 * 1024
    out = baton.render(b)
    assert len(out) > MB10
    assert baton.validate(b, budget=10**9)["valid"] is True
    assert [w["code"] for w in baton.validate(b)["warnings"]] == ["over_budget"]
    assert len(baton.to_json(b)) > 2 * MB10  # the entry is in the fields and the history
    raises(lambda: baton.render(b, max_tokens=1000), "over_budget", "")
    huge_goal = baton.create({"goal": "é" * MB10}, stage="s", at=AT, json=True)
    assert len(huge_goal) > 2 * MB10


def test_a_10_mb_goal_of_spaces_is_empty() -> None:
    raises(lambda: baton.create({"goal": " " * MB10}, stage="s", at=AT), "empty", "/goal")
    raises(lambda: baton.apply_patch({"goal": "g"}, {"goal": "\u2003" * MB10}, stage="s", at=AT), "empty", "/goal")
    raises(lambda: baton.apply_patch({"goal": "g"}, {"constraints": {"add": ["\u200b" * MB10]}}, stage="s", at=AT),
           "empty", "/constraints/add/0")


def test_a_10_mb_stage_is_an_argument_not_a_crash() -> None:
    raises(lambda: baton.apply_patch({"goal": "g"}, {}, stage=" " * MB10, at=AT), "invalid_argument", "")
    b = baton.apply_patch({"goal": "g"}, {}, stage="s" * MB10, at=AT)
    assert len(b["history"][0]["stage"]) == MB10


# --- 100,000-deep nesting ------------------------------------------------------------------


def test_deep_nesting_as_data_and_as_text() -> None:
    deep = nested_dicts(100_000)
    raises(lambda: baton.validate(deep) and baton.to_json(deep), "too_deep", "")
    text = json.dumps(nested_dicts(99))  # depth 99: fine for the stdlib encoder
    assert text.count("{") == 99
    # 100,000-deep text built by hand; Python's own json module could not even write it.
    deep_text = '{"goal": "g", "x-a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    raises(lambda: baton.apply_patch(deep_text, {}, stage="s", at=AT), "too_deep", "")
    raises(lambda: baton.apply_patch({"goal": "g"}, '{"x-a": ' + "[" * 100_000, stage="s", at=AT), "too_deep", "")
    # In a history patch (not otherwise examined by validate) it still cannot get in.
    raises(lambda: baton.verify({"goal": "g", "history": [{"stage": "s", "at": AT, "patch": deep}]}), "too_deep", "")
    # 100 levels of text is accepted, 101 is not; 64 levels of x- value, 65 is not.
    assert baton.merge_patch("[" * 100 + "]" * 100, "null") is None
    raises(lambda: baton.merge_patch("[" * 101 + "]" * 101, "null"), "too_deep", "")
    assert baton.validate({"goal": "g", "x-l": nested_lists(64)})["valid"] is True
    raises(lambda: baton.create({"goal": "g", "x-l": nested_lists(65)}, stage="s", at=AT), "too_deep", "/x-l")


# --- lone surrogates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        {"goal": "\ud800"},
        {"goal": "g", "constraints": ["ok", "a\udc00b"]},
        {"goal": "g", "x-a": {"\ud800": 1}},
        {"goal": "g", "x-a": [{"k": "\udfff"}]},
    ],
)
def test_lone_surrogates_in_native_strings_are_invalid_json(document: Dict[str, Any]) -> None:
    with pytest.raises(BatonError) as info:
        baton.apply_patch(document, {}, stage="s", at=AT)
    assert info.value.code == "invalid_json"
    assert baton.validate(document)["errors"][0]["code"] == "invalid_json"
    with pytest.raises(BatonError):
        baton.apply_patch({"goal": "g"}, {k: v for k, v in document.items() if k != "goal"} or {"goal": "\ud800"},
                          stage="s", at=AT)
    with pytest.raises(BatonError):
        baton.merge_patch(document, {})
    # A non-BMP character is fine; in Python a surrogate *pair* in a str is two lone surrogates.
    assert baton.validate({"goal": "\U0001f389"})["valid"] is True
    assert baton.validate({"goal": "\ud83c\udf89"})["errors"][0]["code"] == "invalid_json"
    assert baton.validate('{"goal": "\\ud83c\\udf89"}')["valid"] is True


def test_lone_surrogate_in_a_native_string_is_reported_at_the_root() -> None:
    raises(lambda: baton.apply_patch({"goal": "\ud800"}, {}, stage="s", at=AT), "invalid_json", "")


SURROGATE_ARGUMENTS = [
    ("stage", lambda: baton.apply_patch({"goal": "g"}, {}, stage="\ud800", at=AT)),
    ("create stage", lambda: baton.create({"goal": "g"}, stage="s\udc00", at=AT)),
    ("at", lambda: baton.apply_patch({"goal": "g"}, {}, stage="s", at="\ud800")),
    ("prompt stage", lambda: baton.prompt({"goal": "g"}, "\ud800")),
    ("reply", lambda: baton.extract_patch('{"goal": "\ud800"}')),
    ("text", lambda: baton.estimate_tokens("\ud800")),
]


@pytest.mark.parametrize("call", [c for _, c in SURROGATE_ARGUMENTS], ids=[n for n, _ in SURROGATE_ARGUMENTS])
def test_lone_surrogates_in_plain_string_arguments(call: Callable[[], Any]) -> None:
    raises(call, "invalid_json", "")


def test_lone_surrogates_in_plain_string_arguments_are_still_value_errors() -> None:
    """Whatever the class, it is a ValueError, not a crash, and nothing is half done."""
    for _, call in SURROGATE_ARGUMENTS:
        with pytest.raises(ValueError):
            call()


# --- numbers -----------------------------------------------------------------------------------


def test_huge_ints_become_doubles_within_range() -> None:
    out = baton.merge_patch({}, {"a": 2**70, "b": -(2**70), "c": 2**53, "d": 2**53 + 1, "e": -(2**63)})
    assert out == {"a": float(2**70), "b": -float(2**70), "c": 2**53, "d": float(2**53), "e": -float(2**63)}
    assert type(out["a"]) is float and type(out["c"]) is int
    # Written as JavaScript writes the double (SPEC §9).
    b = baton.create({"goal": "g", "x-n": [2**70, 2**69, -(2**60)]}, stage="s", at=AT)
    assert '"x-n":[1.1805916207174113e+21,590295810358705700000,-1152921504606847000]' in baton.to_json(b)
    assert baton.merge_patch({}, {"a": 2**1024 - 2**970 - 1}) == {"a": 1.7976931348623157e308}
    raises(lambda: baton.merge_patch({}, {"a": 10**400}), "type", "/a")
    raises(lambda: baton.create({"goal": "g", "x-n": 10**400}, stage="s", at=AT), "type", "/x-n")
    # Integral floats are integers, -0.0 is 0.
    out = baton.merge_patch({}, {"a": 1.0, "b": -0.0, "c": 1e300})
    assert out == {"a": 1, "b": 0, "c": 1e300} and type(out["a"]) is int and type(out["b"]) is int
    assert baton.merge_patch({}, {"a": 1.0, "b": -0.0, "c": 1e300}, json=True) == '{"a":1,"b":0,"c":1e+300}'


def test_bools_are_not_ints() -> None:
    b = baton.create({"goal": "g", "x-flags": [True, False, 1, 0], "x-t": True}, stage="s", at=AT)
    assert [type(v) for v in b["x-flags"]] == [bool, bool, int, int]
    assert b["x-t"] is True
    assert baton.to_json(b).count("[true,false,1,0]") == 2
    assert baton.merge_patch({"a": 1}, {"a": True}) == {"a": True}
    assert baton.merge_patch({"a": 1}, {"a": True})["a"] is True
    assert baton.validate({"goal": "g", "version": True})["errors"][0]["code"] == "version"
    assert baton.validate({"goal": "g", "version": 1})["valid"] is True
    raises(lambda: baton.render({"goal": "g"}, max_tokens=True), "invalid_argument", "")  # type: ignore[arg-type]
    raises(lambda: baton.apply_patch({"goal": "g"}, {"constraints": [True]}, stage="s", at=AT), "type", "/constraints/0")


def test_subclasses_of_json_types_are_their_base() -> None:
    class MyDict(dict):  # type: ignore[type-arg]
        pass

    class MyStr(str):
        pass

    odd = MyDict(goal=MyStr("g"), constraints=[MyStr("c")])
    assert baton.create(odd, stage="s", at=AT)["constraints"] == ["c"]
    assert baton.validate(collections.OrderedDict(goal="g"))["valid"] is True
    # A str subclass at the top is still JSON text.
    assert baton.validate(MyStr('{"goal": "g"}'))["valid"] is True
