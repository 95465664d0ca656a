"""A four-stage pipeline (planner → implementer → tester → reviewer) handing one baton on.

Each stage gets the baton as a prompt, "replies" as a model would (here the replies
are canned, so the example runs offline), and its reply's ``baton_patch`` is
extracted and applied. Between stages the baton travels as canonical JSON text
(``json=True``), as it would over a queue. Run it with::

    python python/examples/pipeline.py

It type-checks with ``mypy --strict``.
"""

from __future__ import annotations

import json
from typing import Callable, Dict, List, Tuple

import baton
from baton import BatonDocument, BatonError, BatonPatch, Issue, ValidationReport

#: A stage: given its prompt, returns the model's reply text.
Stage = Callable[[str], str]

# Fixed timestamps keep the output reproducible; leave ``at`` out to use the current time.
CLOCK: Dict[str, str] = {
    "planner": "2026-01-31T09:00:00Z",
    "implementer": "2026-01-31T10:00:00Z",
    "tester": "2026-01-31T11:00:00Z",
    "reviewer": "2026-01-31T12:00:00Z",
}


def reply_with(summary: str, patch: BatonPatch) -> str:
    """A model reply: some prose, then the fenced ``baton_patch`` block the prompt asks for."""
    block = json.dumps({"baton_patch": patch}, indent=2)
    return f"{summary}\n\n```json\n{block}\n```\n"


def implementer(prompt_text: str) -> str:
    assert "You are the `implementer` stage." in prompt_text
    patch: BatonPatch = {
        "current_state": {"add": ["CSV exporter streams rows"], "remove": ["nothing implemented yet"]},
        "decision_log": {"add": ["use the csv module: no new dependency"]},
        "artifacts": {"add": ["src/export.py"]},
    }
    return reply_with("I wrote the exporter.", patch)


def tester(prompt_text: str) -> str:
    assert "## Artifacts\n- src/export.py" in prompt_text
    patch: BatonPatch = {
        "current_state": {"add": ["12 export tests pass"]},
        "decision_log": {"add": ["test quoting with embedded newlines"]},
        "open_questions": {"add": ["should empty tables export a header row?"]},
        "artifacts": {"add": ["tests/test_export.py"]},
    }
    return reply_with("Tests written and passing.", patch)


def reviewer(prompt_text: str) -> str:
    assert "should empty tables export a header row?" in prompt_text
    patch: BatonPatch = {
        "decision_log": {"add": ["empty tables export the header row"]},
        "open_questions": None,  # null empties the list
        "acceptance": {"add": ["reviewed"]},
    }
    return reply_with("Looks good; one question settled.", patch)


def overeager_reviewer(prompt_text: str) -> str:
    """A reply that breaks the rules: ``decision_log`` is append-only."""
    return '{"baton_patch": {"decision_log": {"remove": ["use the csv module: no new dependency"]}, "goal": " "}}'


def run_stage(wire: str, name: str, stage: Stage) -> str:
    """One hand-off: prompt → reply → patch → new baton, all as canonical JSON text."""
    reply = stage(baton.prompt(wire, name))
    patch: BatonPatch = baton.extract_patch(reply)
    return baton.apply_patch(wire, patch, stage=name, at=CLOCK[name], json=True)


def describe(issues: List[Issue]) -> str:
    return "; ".join(f"{issue['code']} at {issue['path'] or '(root)'}" for issue in issues)


def check(wire: str) -> Tuple[bool, List[Issue]]:
    report: ValidationReport = baton.validate(wire, budget=400)
    return report["valid"], report["warnings"]


def main() -> None:
    # Planner: creates the baton.
    start: BatonDocument = baton.create(
        {
            "goal": "Add CSV export to the report tool",
            "current_state": ["nothing implemented yet"],
            "constraints": ["no new dependencies", "stream: never hold a whole table in memory"],
            "work_scope": ["src/export.py", "tests/"],
            "acceptance": ["exports round-trip through csv.reader"],
            "x-owner": {"team": "reports", "ticket": 4211},
        },
        stage="planner",
        at=CLOCK["planner"],
    )
    wire: str = baton.to_json(start)

    for name, stage in [("implementer", implementer), ("tester", tester)]:
        wire = run_stage(wire, name, stage)

    # The reviewer's first reply is rejected as a whole: nothing is applied.
    try:
        wire = run_stage(wire, "reviewer", overeager_reviewer)
    except BatonError as err:
        print(f"rejected reviewer reply: {describe(err.errors)}")
        assert err.code == "empty" and len(err.errors) == 2
        wire = run_stage(wire, "reviewer", reviewer)

    valid, warnings = check(wire)
    assert valid, "every stage's output is valid"
    for warning in warnings:
        print(f"warning: {warning['code']}: {warning['message']}")

    final: BatonDocument = json.loads(wire)
    assert baton.verify(final)["ok"], "the history replays to the fields"
    stages: List[str] = [entry["stage"] for entry in final["history"]]
    assert stages == ["planner", "implementer", "tester", "reviewer"], stages
    print(f"{len(final['decision_log'])} decisions after {len(stages)} stages\n")
    print(baton.render(final, history=True, extensions=True), end="")


if __name__ == "__main__":
    main()
