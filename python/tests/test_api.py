"""The Python API around the core: inputs, outputs, errors, atomicity, each function."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Dict, List

import pytest

import baton
from baton import BatonError

ROOT = Path(__file__).resolve().parents[2]
AT = "2026-01-31T12:00:00Z"
AT2 = "2026-01-31T13:00:00Z"
LISTS = [
    "current_state", "decision_log", "constraints", "open_questions",
    "work_scope", "artifacts", "acceptance",
]
CANONICAL = ["version", "goal", *LISTS]


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@pytest.fixture
def fields() -> Dict[str, Any]:
    # Members deliberately out of canonical order, x- members unsorted, nested keys unsorted.
    return {
        "x-zeta": {"b": 1, "a": [{"d": True, "c": None}]},
        "acceptance": ["tests pass"],
        "constraints": ["no new dependencies", "keep the API"],
        "goal": "Add CSV export",
        "decision_log": ["use the csv module"],
        "x-alpha": "owner",
        "current_state": ["parser done"],
    }


@pytest.fixture
def made(fields: Dict[str, Any]) -> Dict[str, Any]:
    return dict(baton.create(fields, stage="planner", at=AT))


PATCH: Dict[str, Any] = {
    "x-zeta": {"b": None, "e": 2},
    "decision_log": {"add": ["stream rows"]},
    "current_state": {"add": ["exporter done"], "remove": ["parser done"]},
    "goal": "Add CSV and TSV export",
}


# --- dict and JSON text inputs ------------------------------------------------------


def test_dict_and_json_text_give_the_same_results(fields: Dict[str, Any], made: Dict[str, Any]) -> None:
    t_fields, t_made, t_patch = json.dumps(fields), json.dumps(made), json.dumps(PATCH)
    assert baton.create(t_fields, stage="planner", at=AT) == made
    assert baton.validate(t_made) == baton.validate(made)
    assert baton.validate(json.dumps({"goal": ""})) == baton.validate({"goal": ""})
    patched = baton.apply_patch(made, PATCH, stage="impl", at=AT2)
    assert baton.apply_patch(t_made, t_patch, stage="impl", at=AT2) == patched
    assert baton.apply_patch(t_made, PATCH, stage="impl", at=AT2) == patched
    assert baton.apply_patch(made, t_patch, stage="impl", at=AT2) == patched
    assert baton.verify(json.dumps(patched)) == baton.verify(patched)
    assert baton.diff(t_made, json.dumps(patched)) == baton.diff(made, patched)
    for opts in ({}, {"history": True, "extensions": True}, {"max_tokens": 95}):
        assert baton.render(t_made, **opts) == baton.render(made, **opts)
    assert baton.to_json(t_made) == baton.to_json(made)
    assert baton.to_json(t_made, pretty=True) == baton.to_json(made, pretty=True)
    assert baton.prompt(t_made, "tester") == baton.prompt(made, "tester")
    assert baton.merge_patch(json.dumps({"a": 1}), json.dumps({"b": 2})) == baton.merge_patch({"a": 1}, {"b": 2})
    # Errors too: same codes and paths from either form.
    for bad in ({"goal": 5, "bogus": 1}, {"goal": "g", "constraints": [""]}):
        with pytest.raises(BatonError) as from_dict:
            baton.apply_patch(bad, {}, stage="s", at=AT)
        with pytest.raises(BatonError) as from_text:
            baton.apply_patch(json.dumps(bad), {}, stage="s", at=AT)
        assert from_dict.value.errors == from_text.value.errors


def test_a_str_argument_is_json_text_not_a_string_value() -> None:
    # The string "abc" is not JSON text; "\"abc\"" is the JSON string abc.
    assert baton.validate("abc")["errors"][0]["code"] == "invalid_json"
    assert baton.validate('"abc"')["errors"] == [
        {"code": "type", "path": "", "message": baton.validate(5)["errors"][0]["message"]}
    ]
    assert baton.merge_patch({"a": 1}, '"abc"') == "abc"
    with pytest.raises(BatonError) as err:
        baton.merge_patch({"a": 1}, "abc")
    assert err.value.code == "invalid_json"


def test_tuples_are_arrays_and_mappings_must_be_dicts() -> None:
    b = baton.create({"goal": "g", "constraints": ("a", "b")}, stage="s", at=AT)
    assert b["constraints"] == ["a", "b"]
    assert baton.merge_patch((1, 2), {"a": (3,)}) == {"a": [3]}


# --- outputs -----------------------------------------------------------------------


def test_outputs_are_plain_dicts_in_canonical_member_order(made: Dict[str, Any]) -> None:
    assert type(made) is dict
    assert list(made) == [*CANONICAL, "x-alpha", "x-zeta", "history"]
    assert list(made["x-zeta"]) == ["a", "b"]
    assert list(made["x-zeta"]["a"][0]) == ["c", "d"]
    assert made["x-zeta"]["a"][0]["d"] is True
    entry = made["history"][0]
    assert list(entry) == ["stage", "at", "patch"]
    assert list(entry["patch"]) == ["goal", *LISTS, "x-alpha", "x-zeta"]
    assert all(type(made[name]) is list for name in LISTS)

    patched = baton.apply_patch(made, PATCH, stage="impl", at=AT2)
    assert type(patched) is dict
    assert list(patched) == [*CANONICAL, "x-alpha", "x-zeta", "history"]
    assert list(patched["history"][1]["patch"]) == ["goal", "current_state", "decision_log", "x-zeta"]
    assert patched["x-zeta"] == {"a": [{"c": None, "d": True}], "e": 2}
    assert list(patched["x-zeta"]) == ["a", "e"]

    report = baton.validate(made)
    assert type(report) is dict and list(report) == ["valid", "errors", "warnings"]
    assert list(baton.verify(made)) == ["ok", "errors"]

    patch = baton.diff(made, patched)
    assert type(patch) is dict
    assert list(patch) == ["goal", "current_state", "decision_log", "x-zeta"]

    merged = baton.merge_patch({"b": 1, "a": {"z": 1, "y": 2}}, {"c": 3})
    assert list(merged) == ["a", "b", "c"] and list(merged["a"]) == ["y", "z"]



def test_json_true_gives_canonical_text_equal_to_to_json(fields: Dict[str, Any], made: Dict[str, Any]) -> None:
    text = baton.create(fields, stage="planner", at=AT, json=True)
    assert isinstance(text, str)
    assert text == baton.to_json(made) == compact(made)
    patched_text = baton.apply_patch(made, PATCH, stage="impl", at=AT2, json=True)
    patched = baton.apply_patch(made, PATCH, stage="impl", at=AT2)
    assert patched_text == baton.to_json(patched) == baton.to_json(patched_text) == compact(patched)
    assert json.loads(patched_text) == patched

    diff_text = baton.diff(made, patched, json=True)
    assert diff_text == compact(baton.diff(made, patched))
    merged_text = baton.merge_patch({"b": 1}, {"a": [1.5, None]}, json=True)
    assert merged_text == '{"a":[1.5,null],"b":1}'
    reply = 'Done.\n```json\n{"baton_patch": {"decision_log": {"add": ["x"]}, "goal": "y"}}\n```\n'
    assert baton.extract_patch(reply, json=True) == compact(baton.extract_patch(reply))

    pretty = baton.to_json(made, pretty=True)
    assert pretty == json.dumps(made, indent=2, ensure_ascii=False)
    assert not pretty.endswith("\n") and not text.endswith("\n")


def test_extract_patch_result_is_in_canonical_patch_order() -> None:
    reply = 'Done.\n```json\n{"baton_patch": {"decision_log": {"add": ["x"]}, "goal": "y"}}\n```\n'
    text = baton.extract_patch(reply, json=True)
    assert text == compact(baton.extract_patch(reply))
    assert text == '{"goal":"y","decision_log":{"add":["x"]}}'
    extracted = baton.extract_patch('{"x-b": 1, "bogus": 2, "decision_log": [], "goal": "g", "aaa": 3, "x-a": 0}')
    assert list(extracted) == ["goal", "decision_log", "x-a", "x-b", "aaa", "bogus"]


def test_merge_patch_and_extract_patch_text_write_numbers_canonically() -> None:
    assert baton.merge_patch({}, {"a": 1e20, "b": 1.5e-6}, json=True) == '{"a":100000000000000000000,"b":0.0000015}'
    assert baton.extract_patch('{"x-a": 1e20}', json=True) == '{"x-a":100000000000000000000}'


# --- BatonError ---------------------------------------------------------------------


def test_baton_error_shape_single() -> None:
    assert issubclass(BatonError, ValueError)
    with pytest.raises(ValueError) as info:
        baton.apply_patch({"goal": "g"}, {}, stage="   ", at=AT)
    err = info.value
    assert isinstance(err, BatonError)
    assert err.code == "invalid_argument" and err.path == ""
    assert len(err.errors) == 1
    assert list(err.errors[0]) == ["code", "path", "message"]
    assert str(err) == f"invalid_argument at (root): {err.errors[0]['message']}"
    assert err.args == (str(err),)


def test_baton_error_shape_several() -> None:
    with pytest.raises(BatonError) as info:
        baton.apply_patch({"goal": "g"}, {"goal": "", "decision_log": None, "bogus": 1, "constraints": [1]}, stage="s", at=AT)
    err = info.value
    assert [(e["code"], e["path"]) for e in err.errors] == [
        ("empty", "/goal"),
        ("append_only", "/decision_log"),
        ("type", "/constraints/0"),
        ("unknown_field", "/bogus"),
    ]
    for e in err.errors:
        assert set(e) == {"code", "path", "message"}
        assert all(isinstance(v, str) for v in e.values())
        assert e["message"] and not e["message"].endswith(".")
    assert err.code == "empty" and err.path == "/goal"
    first = err.errors[0]
    assert str(err) == f"empty at /goal: {first['message']} (and 3 more)"
    assert re.fullmatch(r"\w+ at \S+: .+ \(and \d+ more\)", str(err))


def test_baton_error_can_be_raised_by_users() -> None:
    issues: List[Any] = [{"code": "type", "path": "/a", "message": "m"}, {"code": "empty", "path": "", "message": "n"}]
    err = BatonError(issues)
    assert str(err) == "type at /a: m (and 1 more)"
    assert err.errors is issues and err.code == "type" and err.path == "/a"


# --- atomicity ----------------------------------------------------------------------


def test_inputs_are_never_mutated(made: Dict[str, Any]) -> None:
    before = copy.deepcopy(made)
    patch = copy.deepcopy(PATCH)
    out = baton.apply_patch(made, patch, stage="impl", at=AT2)
    assert made == before and patch == PATCH
    # The result shares nothing with the input.
    out["decision_log"].append("mutated")
    out["x-zeta"]["e"] = 99
    assert made == before
    assert baton.apply_patch(made, patch, stage="impl", at=AT2)["decision_log"] == ["use the csv module", "stream rows"]


def test_a_failing_patch_raises_every_error_and_changes_nothing(made: Dict[str, Any]) -> None:
    before = copy.deepcopy(made)
    bad = {
        "goal": "fine",  # valid on its own: must not be applied
        "constraints": {"add": ["ok", " "], "drop": ["x"]},
        "decision_log": {"remove": []},
        "version": 2,
        "history": [],
        "x-deep": json.loads("[" * 65 + "]" * 65),
    }
    bad_before = copy.deepcopy(bad)
    with pytest.raises(BatonError) as info:
        baton.apply_patch(made, bad, stage="impl", at=AT2)
    assert [(e["code"], e["path"]) for e in info.value.errors] == [
        ("read_only", "/version"),
        ("append_only", "/decision_log/remove"),
        ("empty", "/constraints/add/1"),
        ("unknown_op", "/constraints/drop"),
        ("too_deep", "/x-deep"),
        ("read_only", "/history"),
    ]
    assert made == before and bad == bad_before
    # And the same baton still patches cleanly afterwards.
    assert baton.apply_patch(made, {"goal": "fine"}, stage="impl", at=AT2)["goal"] == "fine"


def test_an_invalid_baton_is_reported_before_arguments_and_patch() -> None:
    with pytest.raises(BatonError) as info:
        baton.apply_patch({"goal": " ", "colour": 1}, {"bogus": 1}, stage=" ", at="yesterday")
    assert [(e["code"], e["path"]) for e in info.value.errors] == [("empty", "/goal"), ("unknown_field", "/colour")]
    with pytest.raises(BatonError) as info:
        baton.apply_patch({"goal": "g"}, {"bogus": 1}, stage="s", at="yesterday")
    assert [(e["code"], e["path"]) for e in info.value.errors] == [("invalid_argument", "")]


def test_patching_twice_is_idempotent_for_decisions(made: Dict[str, Any]) -> None:
    once = baton.apply_patch(made, PATCH, stage="impl", at=AT2)
    twice = baton.apply_patch(once, PATCH, stage="impl", at=AT2)
    assert twice["decision_log"] == once["decision_log"]
    assert len(twice["history"]) == 3


def test_at_defaults_to_now_with_milliseconds() -> None:
    b = baton.create({"goal": "g"}, stage="s")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", b["history"][0]["at"])
    b2 = baton.apply_patch(b, {}, stage="t", at=None)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", b2["history"][1]["at"])


# --- validate -----------------------------------------------------------------------


class _Opaque:
    pass


def _recursive() -> Dict[str, Any]:
    d: Dict[str, Any] = {"goal": "g"}
    d["x-self"] = d
    return d


@pytest.mark.parametrize(
    "document, code, path",
    [
        (None, "type", ""),
        (5, "type", ""),
        ([], "type", ""),
        ("not json", "invalid_json", ""),
        ("[]", "type", ""),
        ('{"goal": "a", "goal": "b"}', "duplicate_key", "/goal"),
        (b"{}", "type", ""),
        ({"goal"}, "type", ""),
        (_Opaque(), "type", ""),
        ({"goal": "g", "x-a": {1: 2}}, "type", "/x-a"),
        ({"goal": "g", "x-a": float("nan")}, "type", "/x-a"),
        (_recursive(), "too_deep", ""),
        ({}, "required", "/goal"),
        ({"goal": None}, "type", "/goal"),
        ({"goal": "g", "version": True}, "version", "/version"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, (str, int)) else repr(v)[:20],
)
def test_validate_never_raises_on_documents(document: Any, code: str, path: str) -> None:
    report = baton.validate(document)
    assert report["valid"] is False
    assert (report["errors"][0]["code"], report["errors"][0]["path"]) == (code, path)
    assert report["warnings"] == []


def test_validate_gives_duplicate_and_over_budget_warnings() -> None:
    doc = {"goal": "g", "constraints": ["a", "b", "a", "a"], "decision_log": ["x", "x"]}
    report = baton.validate(doc)
    assert report["valid"] is True and report["errors"] == []
    assert [(w["code"], w["path"]) for w in report["warnings"]] == [
        ("duplicate", "/decision_log/1"),
        ("duplicate", "/constraints/2"),
        ("duplicate", "/constraints/3"),
    ]
    assert report["warnings"][1]["message"] == "duplicate of `/constraints/0`"

    full = baton.estimate_tokens(baton.render(doc))
    assert baton.validate(doc, budget=full)["warnings"] == report["warnings"]
    over = baton.validate(doc, budget=full - 1)
    assert over["valid"] is True
    assert [(w["code"], w["path"]) for w in over["warnings"]][0] == ("over_budget", "")
    # SPEC §3: the message names the budget, not the estimate.
    assert over["warnings"][0]["message"] == (
        f"the rendered baton estimates to more than {full - 1} tokens (the budget)"
    )
    # Warnings only when there are no errors.
    assert baton.validate({"goal": "", "constraints": ["a", "a"]}, budget=0)["warnings"] == []


def test_validate_budget_default_is_1000() -> None:
    doc = {"goal": "word " * 990}
    assert baton.estimate_tokens(baton.render(doc)) > 1000
    assert [w["code"] for w in baton.validate(doc)["warnings"]] == ["over_budget"]
    assert baton.validate(doc, budget=10**6)["warnings"] == []


def test_validate_negative_budget_is_invalid_argument() -> None:
    with pytest.raises(BatonError) as info:
        baton.validate({"goal": "g"}, budget=-1)
    assert info.value.code == "invalid_argument"


# --- verify -------------------------------------------------------------------------


def test_verify_ok_and_tampered(made: Dict[str, Any]) -> None:
    patched = baton.apply_patch(made, PATCH, stage="impl", at=AT2)
    assert baton.verify(made) == {"ok": True, "errors": []}
    assert baton.verify(patched) == {"ok": True, "errors": []}
    assert baton.verify({"goal": "no history"}) == {"ok": True, "errors": []}

    tampered = copy.deepcopy(patched)
    tampered["goal"] = "something else"
    tampered["decision_log"].append("slipped in")
    tampered["x-zeta"]["e"] = 3
    report = baton.verify(tampered)
    assert report["ok"] is False
    assert [(e["code"], e["path"]) for e in report["errors"]] == [
        ("history_mismatch", "/goal"),
        ("history_mismatch", "/decision_log"),
        ("history_mismatch", "/x-zeta"),
    ]

    bad_history = copy.deepcopy(patched)
    bad_history["history"][1]["patch"] = {"decision_log": None}
    report = baton.verify(bad_history)
    assert [(e["code"], e["path"]) for e in report["errors"]] == [("history_mismatch", "/history/1")]

    # An invalid baton is an error, not a report.
    with pytest.raises(BatonError) as info:
        baton.verify({"goal": "g", "history": [{"stage": "s", "at": "now", "patch": {}}]})
    assert (info.value.code, info.value.path) == ("timestamp", "/history/0/at")


# --- diff ---------------------------------------------------------------------------


def test_diff_round_trips(made: Dict[str, Any]) -> None:
    new = copy.deepcopy(made)
    new["goal"] = "New goal"
    new["decision_log"] += ["d2", "d3"]
    new["constraints"] = ["keep the API", "no new dependencies", "fast"]
    new["acceptance"] = []
    new["x-zeta"] = {"b": 2, "a": [{"c": 1}]}
    del new["x-alpha"]
    new["x-new"] = [None, {"k": None}]
    patch = baton.diff(made, new)
    assert patch == {
        "goal": "New goal",
        "decision_log": {"add": ["d2", "d3"]},
        "constraints": ["keep the API", "no new dependencies", "fast"],
        "acceptance": [],
        "x-alpha": None,
        "x-new": [None, {"k": None}],
        "x-zeta": {"a": [{"c": 1}], "b": 2},
    }
    applied = baton.apply_patch(made, patch, stage="diff", at=AT2)
    for key in new:
        if key != "history":
            assert applied[key] == new[key], key
    assert "x-alpha" not in applied
    assert baton.diff(made, made) == {}


def test_diff_list_edit_and_errors(made: Dict[str, Any]) -> None:
    many = baton.apply_patch(made, {"work_scope": [f"item {i}" for i in range(10)]}, stage="s", at=AT)
    new = copy.deepcopy(many)
    new["work_scope"] = [w for w in many["work_scope"] if w != "item 3"] + ["item 10"]
    assert baton.diff(many, new)["work_scope"] == {"add": ["item 10"], "remove": ["item 3"]}

    dropped = copy.deepcopy(made)
    dropped["decision_log"] = []
    with pytest.raises(BatonError) as info:
        baton.diff(made, dropped)
    assert (info.value.code, info.value.path) == ("append_only", "/decision_log")

    with_null = copy.deepcopy(made)
    with_null["x-zeta"] = {"k": {"z": None}}
    with pytest.raises(BatonError) as info:
        baton.diff(made, with_null)
    assert [(e["code"], e["path"]) for e in info.value.errors] == [("unrepresentable", "/x-zeta/k/z")]

    with pytest.raises(BatonError) as info:
        baton.diff({"goal": "g"}, {"goal": ""})
    assert (info.value.code, info.value.path) == ("empty", "/goal")


# --- render -------------------------------------------------------------------------


def test_render_default_history_and_extensions(made: Dict[str, Any]) -> None:
    out = baton.render(made)
    assert out.startswith("# Baton\n\n## Goal\nAdd CSV export\n\n## Current state\n- parser done\n")
    assert out.endswith("## Acceptance\n- tests pass\n")
    assert "## History" not in out and "## Extensions" not in out
    ext = baton.render(made, extensions=True)
    assert ext.endswith('## Extensions\n- x-alpha: "owner"\n- x-zeta: {"a":[{"c":null,"d":true}],"b":1}\n')
    hist = baton.render(made, history=True)
    assert hist.endswith(
        "## History\n- 2026-01-31T12:00:00Z planner: goal, current_state, decision_log, constraints,"
        " open_questions, work_scope, artifacts, acceptance, x-alpha, x-zeta\n"
    )
    both = baton.render(made, history=True, extensions=True)
    assert both.index("## Extensions") < both.index("## History")
    assert baton.render(made, max_tokens=None, history=False, extensions=False) == out


def test_render_max_tokens_leaves_out_oldest_decisions() -> None:
    decisions = [f"decision number {i} about the exporter" for i in range(40)]
    b = baton.create({"goal": "g", "decision_log": decisions}, stage="s", at=AT)
    full = baton.render(b)
    n_full = baton.estimate_tokens(full)
    assert baton.render(b, max_tokens=n_full) == full
    kept_counts = []
    for budget in range(n_full - 1, 0, -37):
        try:
            out = baton.render(b, max_tokens=budget)
        except BatonError as err:
            assert (err.code, err.path) == ("over_budget", "")
            assert budget < n_full
            break
        assert baton.estimate_tokens(out) <= budget
        left_out = re.search(r"^_(\d+) earlier decisions? left out_$", out, re.M)
        assert left_out, out
        k = int(left_out.group(1))
        kept = [line[2:] for line in out.split("## Decisions (append-only)\n")[1].split("\n\n")[0].splitlines()[1:]]
        assert kept == decisions[k:]  # the newest ones, in order
        kept_counts.append(len(kept))
    else:
        pytest.fail("never over budget")
    assert kept_counts == sorted(kept_counts, reverse=True) and len(kept_counts) > 3
    with pytest.raises(BatonError) as info:
        baton.render(b, max_tokens=0)
    assert info.value.code == "over_budget"


def test_render_bad_options() -> None:
    with pytest.raises(BatonError) as info:
        baton.render({"goal": "g"}, max_tokens=-1)
    assert (info.value.code, info.value.path) == ("invalid_argument", "")
    with pytest.raises(BatonError):
        baton.render({"goal": "g"}, history="yes")  # type: ignore[arg-type]


# --- prompt and extract_patch ---------------------------------------------------------


def test_prompt_and_extract_patch_loop(made: Dict[str, Any]) -> None:
    current: Any = made
    for i, stage in enumerate(["implementer", "tester", "reviewer"]):
        text = baton.prompt(current, stage)
        assert text.startswith(baton.render(current) + "\n---\n\nYou are the `" + stage + "` stage.")
        assert text.endswith("```\n")
        reply = (
            f"I did the {stage} work.\n\n```json\n"
            + json.dumps({"baton_patch": {"decision_log": {"add": [f"{stage} decided {i}"]},
                                          "current_state": {"add": [f"{stage} done"]}}}, indent=2)
            + "\n```\n"
        )
        patch = baton.extract_patch(reply)
        assert patch == {"current_state": {"add": [f"{stage} done"]}, "decision_log": {"add": [f"{stage} decided {i}"]}}
        current = baton.apply_patch(current, patch, stage=stage, at=AT2)
    assert baton.verify(current)["ok"] is True
    assert [h["stage"] for h in current["history"]] == ["planner", "implementer", "tester", "reviewer"]
    assert current["decision_log"][-3:] == ["implementer decided 0", "tester decided 1", "reviewer decided 2"]

    with pytest.raises(BatonError) as info:
        baton.extract_patch("no JSON here")
    assert (info.value.code, info.value.path) == ("no_patch", "")
    with pytest.raises(BatonError) as info:
        baton.extract_patch('```json\n{"goal": \n```\n{"goal": "a"}')
    assert info.value.code == "invalid_json"
    with pytest.raises(BatonError) as info:
        baton.prompt(made, "  ")
    assert info.value.code == "invalid_argument"


# --- merge_patch, estimate_tokens, schema ---------------------------------------------------


@pytest.mark.parametrize(
    "target, patch, result",
    [  # RFC 7396 Appendix A
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"a": "b"}, ["c"], ["c"]),
        ({"a": "foo"}, None, None),
        ({"a": "foo"}, '"bar"', "bar"),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch_rfc7396(target: Any, patch: Any, result: Any) -> None:
    before = copy.deepcopy(target)
    assert baton.merge_patch(target, patch) == result
    assert target == before


def test_merge_patch_depth_limit() -> None:
    ok = json.loads("[" * 100 + "]" * 100)
    assert baton.merge_patch({}, ok) == ok
    with pytest.raises(BatonError) as info:
        baton.merge_patch({}, [ok])
    assert (info.value.code, info.value.path) == ("too_deep", "")


def test_estimate_tokens() -> None:
    assert baton.estimate_tokens("hello world") == 4
    assert baton.estimate_tokens("a.b") == 3
    assert baton.estimate_tokens("日本") == 2
    assert baton.estimate_tokens("") == 0
    assert baton.estimate_tokens("🎉") == 1


def test_schema_equals_the_committed_files() -> None:
    committed = json.loads((ROOT / "schema" / "baton.schema.json").read_text(encoding="utf-8"))
    committed_patch = json.loads((ROOT / "schema" / "patch.schema.json").read_text(encoding="utf-8"))
    assert baton.schema() == committed
    assert baton.schema("baton") == committed
    assert baton.schema("patch") == committed_patch
    assert baton.schema("patch") != committed
    with pytest.raises(BatonError) as info:
        baton.schema("nope")  # type: ignore[arg-type]
    assert info.value.code == "invalid_argument"


# --- wrong Python types -------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: baton.apply_patch({"goal": "g"}, {}, stage=5),
        lambda: baton.apply_patch({"goal": "g"}, {}, stage=None),
        lambda: baton.apply_patch({"goal": "g"}, {}, stage="s", at=5),
        lambda: baton.apply_patch({"goal": "g"}, {}),
        lambda: baton.create({"goal": "g"}, stage=b"s"),
        lambda: baton.validate({"goal": "g"}, budget="x"),
        lambda: baton.validate({"goal": "g"}, budget=1.5),
        lambda: baton.validate({"goal": "g"}, budget=None),
        lambda: baton.prompt({"goal": "g"}, None),
        lambda: baton.estimate_tokens(5),
        lambda: baton.estimate_tokens(b"text"),
        lambda: baton.extract_patch(None),
        lambda: baton.extract_patch({"goal": "g"}),
        lambda: baton.schema(1),
        lambda: baton.apply_patch({"goal": "g"}, {}, "s"),
    ],
)
def test_wrong_python_argument_types_are_type_errors(call: Any) -> None:
    with pytest.raises(TypeError):
        call()
    assert baton.create({"goal": "still works"}, stage="s", at=AT)["goal"] == "still works"
