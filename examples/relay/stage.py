"""One Python stage of the relay demo (scripts/relay-demo.sh).

`stage.py planner` starts the pipeline: it makes the baton, applies its own
patch and passes the work on. `stage.py tester` is a middle stage: it finds the
work addressed to it, catches it, answers (a scripted "model reply" with a
fenced baton_patch), marks it done with the patch (the relay applies it with
the core) and passes the patched baton on. `stage.py summary` prints every
handoff's final status and checks that the last baton's history replays.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Dict

import baton

PIPELINE: Dict[str, Any] = json.loads((Path(__file__).parent / "pipeline.json").read_text())
STAGES = {s["stage"]: s for s in PIPELINE["stages"]}


def show(title: str, document: baton.BatonDocument) -> None:
    print(f"=== {title} ===\n")
    print(baton.render(document))


def pass_on(relay: baton.Baton, step: Dict[str, Any], document: baton.BatonDocument) -> None:
    if step["next"] is None:
        return
    handoff = relay.pass_(step["next_task"], baton=document, to=step["next"],
                          output={"from": step["stage"]}, idempotency_key=f"demo-{step['stage']}")
    print(f"--> passed to {step['next']}: {handoff['pickup_url']}\n")


def planner(relay: baton.Baton) -> None:
    step = STAGES["planner"]
    start = baton.create(PIPELINE["initial"], stage="init")
    patch = baton.extract_patch(step["reply"])
    document = baton.apply_patch(start, patch, stage="planner")
    show("stage 1/4: planner (Python) made the baton", document)
    pass_on(relay, step, document)


def middle(relay: baton.Baton, name: str) -> None:
    step = STAGES[name]
    work = relay.list_handoffs(to=name, status="pending")["handoffs"]
    if not work:
        sys.exit(f"{name}: no pending work addressed to {name}")
    job = relay.catch(work[0]["pickup_url"])
    assert job["baton"] is not None
    sent = baton.prompt(job["baton"], name)  # what a real agent would send its model
    patch = baton.extract_patch(step["reply"])
    done = relay.done(job["baton_id"], output={"prompt_tokens": baton.estimate_tokens(sent)},
                      baton_patch=patch, stage=name)
    assert done["baton"] is not None
    number = list(STAGES).index(name) + 1
    show(f"stage {number}/4: {name} (Python) caught {job['baton_id']}, patched it", done["baton"])
    pass_on(relay, step, done["baton"])


def summary(relay: baton.Baton) -> None:
    handoffs = relay.list_handoffs()["handoffs"]
    print("=== final status ===\n")
    last = None
    for h in handoffs:
        state = relay.status(h["baton_id"])
        print(f"- {h['to']:<12} {state['status']:<8} attempts={state['attempts']} {h['baton_id']}")
        last = state
    if last is None or last["baton"] is None:
        sys.exit("summary: the last handoff is not done")
    report = baton.verify(last["baton"])
    print(f"\nfinal baton: {len(last['baton']['history'])} history entries, "
          f"history {'verified' if report['ok'] else 'DOES NOT replay'}")
    if not report["ok"]:
        sys.exit(1)


def main() -> None:
    relay = baton.Baton(os.environ["BATON_TOKEN"], base_url=os.environ["BATON_URL"])
    with relay:
        name = sys.argv[1]
        if name == "planner":
            planner(relay)
        elif name == "summary":
            summary(relay)
        else:
            middle(relay, name)


if __name__ == "__main__":
    main()
