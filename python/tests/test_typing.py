"""The package's types have teeth: the example passes ``mypy --strict``, overloads resolve
as documented, and wrong code is rejected. One mypy run checks every snippet."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "python" / "examples" / "pipeline.py"
RELAY_EXAMPLE = ROOT / "examples" / "relay" / "stage.py"

pytest.importorskip("mypy", reason="mypy is not installed")

HEADER = """\
from __future__ import annotations
from typing import Any, Dict, List, Optional
from typing_extensions import assert_type
import baton
from baton import BatonDocument, BatonError, BatonPatch, Issue, ValidationReport, VerifyReport
b: BatonDocument = baton.create({"goal": "g"}, stage="s")
"""

# Code that must type-check, with the types the overloads must give.
GOOD = """\
p: BatonPatch = {"decision_log": {"add": ["d"]}, "constraints": None, "artifacts": ["a"],
                 "open_questions": {"remove": ["q"]}, "goal": "g2"}
assert_type(baton.apply_patch(b, p, stage="s"), BatonDocument)
assert_type(baton.apply_patch(b, p, stage="s", json=False), BatonDocument)
assert_type(baton.apply_patch(b, p, stage="s", json=True), str)
assert_type(baton.apply_patch('{"goal": "g"}', '{}', stage="s", at=None), BatonDocument)
assert_type(baton.create({"goal": "g", "x-owner": 1}, stage="s", json=True), str)
assert_type(baton.diff(b, b), BatonPatch)
assert_type(baton.diff(b, b, json=True), str)
assert_type(baton.extract_patch("{}"), BatonPatch)
assert_type(baton.extract_patch("{}", json=True), str)
assert_type(baton.merge_patch({"a": 1}, {"a": None}, json=True), str)
assert_type(baton.validate({"goal": "g"}, budget=10), ValidationReport)
assert_type(baton.verify(b), VerifyReport)
assert_type(baton.render(b, max_tokens=100, history=True, extensions=True), str)
assert_type(baton.prompt(b, "s"), str)
assert_type(baton.to_json(b, pretty=True), str)
assert_type(baton.estimate_tokens("x"), int)
assert_type(baton.schema("patch"), Dict[str, Any])
report = baton.validate(b)
assert_type(report["valid"], bool)
issues: List[Issue] = report["errors"] + report["warnings"]
codes: List[str] = [i["code"] for i in issues]
assert_type(b["decision_log"], List[str])
assert_type(b["history"][0]["stage"], str)
try:
    baton.apply_patch(b, {}, stage=" ")
except BatonError as err:
    errs: List[Issue] = err.errors
    first: str = err.code + err.path
async def async_relay_calls(arelay: baton.AsyncBaton) -> None:
    assert_type(await arelay.catch("id"), baton.Job)
    assert_type(await arelay.wait("id"), baton.HandoffState)


def relay_calls(relay: baton.Baton) -> None:
    handoff = relay.pass_("t", output={"draft": "x"}, baton=b, to="implementer", ttl_seconds=60)
    assert_type(handoff, baton.PassResult)
    job = relay.catch(handoff["pickup_url"])
    assert_type(job["lease_token"], str)
    assert_type(job["baton"], Optional[BatonDocument])
    done = relay.done(job["baton_id"], output=1, baton_patch={"decision_log": ["d"]}, stage="s")
    assert_type(done["baton"], Optional[BatonDocument])
    assert_type(relay.status(job["baton_id"], wait=5)["status"], baton.HandoffStatus)
    assert_type(relay.wait(job["baton_id"], timeout=1.5), baton.HandoffState)
    assert_type(relay.list_handoffs(to="x", status="pending")["next"], Optional[str])
    try:
        relay.catch("id")
    except baton.RelayError as err:
        status: int = err.status
        code: str = err.code + err.problem["code"]
"""

# name: (code, expected mypy error code). Each must be rejected.
BAD: Dict[str, tuple[str, str]] = {
    "decision_log_none": ('p: BatonPatch = {"decision_log": None}', "typeddict-item"),
    "decision_log_remove": ('p: BatonPatch = {"decision_log": {"remove": ["d"]}}', "typeddict-item"),
    "list_edit_bad_key": ('p: BatonPatch = {"constraints": {"drop": ["d"]}}', "typeddict-item"),
    "list_of_ints": ('p: BatonPatch = {"constraints": [1, 2]}', "list-item"),
    "unknown_patch_field": ('p: BatonPatch = {"decison_log": ["d"]}', "typeddict-unknown-key"),
    "history_in_patch": ('p: BatonPatch = {"history": []}', "typeddict-unknown-key"),
    "apply_patch_without_stage": ("baton.apply_patch(b, {})", "call-overload"),
    "apply_patch_positional_stage": ('baton.apply_patch(b, {}, "s")', "call-overload"),
    "create_stage_int": ('baton.create({"goal": "g"}, stage=5)', "call-overload"),
    "relay_ttl_is_an_int": ('baton.Baton("t").pass_("task", ttl_seconds="60")', "arg-type"),
    "relay_status_is_a_literal": ('x: baton.HandoffStatus = "finished"', "assignment"),
    "json_true_is_not_a_baton": ('x: BatonDocument = baton.apply_patch(b, {}, stage="s", json=True)', "assignment"),
    "baton_is_not_text": ('y: str = baton.apply_patch(b, {}, stage="s")', "assignment"),
    "validate_budget_str": ('baton.validate(b, budget="x")', "arg-type"),
    "render_max_tokens_str": ('baton.render(b, max_tokens="10")', "arg-type"),
    "render_unknown_option": ("baton.render(b, colour=True)", "call-arg"),
    "schema_kind": ('baton.schema("nope")', "arg-type"),
    "extract_patch_of_dict": ('baton.extract_patch({"goal": "g"})', "call-overload"),
    "estimate_tokens_of_bytes": ('baton.estimate_tokens(b"x")', "arg-type"),
    "issue_has_no_severity": ('baton.validate(b)["errors"][0]["severity"]', "typeddict-item"),
    "report_valid_is_bool": ('v: str = baton.validate(b)["valid"]', "assignment"),
    "baton_goal_is_str": ('g: int = b["goal"]', "assignment"),
    "baton_is_complete": ('c: BatonDocument = {"goal": "g"}', "typeddict-item"),
    "version_is_one": ('c2: BatonDocument = {**b, "version": 2}', "typeddict-item"),
    "error_fields": ("BatonError([]).severity", "attr-defined"),
}


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, List[str]]:
    """Runs ``mypy --strict`` once on the example, the good snippet and every bad one;
    returns each file's error lines."""
    work = tmp_path_factory.mktemp("typing")
    files: Dict[str, Path] = {"example": EXAMPLE, "relay_example": RELAY_EXAMPLE}
    good = work / "good.py"
    good.write_text(HEADER + GOOD, encoding="utf-8")
    files["good"] = good
    for name, (code, _) in BAD.items():
        path = work / f"bad_{name}.py"
        path.write_text(HEADER + textwrap.dedent(code) + "\n", encoding="utf-8")
        files[name] = path
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--show-error-codes",
         "--cache-dir", str(work / ".mypy_cache"), *map(str, files.values())],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert "error: Cannot find implementation or library stub" not in proc.stdout, proc.stdout
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    lines: Dict[str, List[str]] = {name: [] for name in files}
    # mypy names a file as it was given, or relative to the working directory.
    prefixes = {name: (f"{path}:", f"{path.relative_to(ROOT)}:" if path.is_relative_to(ROOT) else f"{path}:")
                for name, path in files.items()}
    for line in proc.stdout.splitlines():
        for name, (absolute, relative) in prefixes.items():
            if line.startswith(absolute) or line.startswith(relative):
                lines[name].append(line)
    unattributed = [
        line for line in proc.stdout.splitlines()
        if ": error:" in line and not any(line in ls for ls in lines.values())
    ]
    assert not unattributed, "\n".join(unattributed)
    return lines


def test_example_passes_mypy_strict(mypy_output: Dict[str, List[str]]) -> None:
    errors = [line for line in mypy_output["example"] if ": error:" in line]
    assert errors == [], "\n".join(errors)


def test_relay_demo_stage_passes_mypy_strict(mypy_output: Dict[str, List[str]]) -> None:
    errors = [line for line in mypy_output["relay_example"] if ": error:" in line]
    assert errors == [], "\n".join(errors)


def test_correct_code_passes_and_overloads_resolve(mypy_output: Dict[str, List[str]]) -> None:
    errors = [line for line in mypy_output["good"] if ": error:" in line]
    assert errors == [], "\n".join(errors)


@pytest.mark.parametrize("name", list(BAD))
def test_wrong_code_is_rejected(mypy_output: Dict[str, List[str]], name: str) -> None:
    _, expected_code = BAD[name]
    errors = [line for line in mypy_output[name] if ": error:" in line]
    assert errors, f"mypy accepted {BAD[name][0]!r}"
    header_lines = HEADER.count("\n")
    lines = {int(m.group(1)) for e in errors if (m := re.search(r":(\d+): error:", e))}
    assert all(n > header_lines for n in lines), f"the shared header itself has errors: {errors}"
    assert any(f"[{expected_code}]" in e for e in errors), "\n".join(errors)


def test_example_runs_and_prints_the_final_rendering() -> None:
    proc = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = proc.stdout
    assert "rejected reviewer reply: empty at /goal; append_only at /decision_log/remove" in out
    rendering = out[out.index("# Baton\n"):]
    assert rendering.startswith("# Baton\n\n## Goal\nAdd CSV export to the report tool\n")
    assert "## Decisions (append-only)\n- use the csv module: no new dependency\n" in rendering
    assert rendering.rstrip("\n").endswith("reviewer: decision_log, open_questions, acceptance")
    assert "## Open questions\n(none)\n" in rendering
