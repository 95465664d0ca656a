"""Threads: the module is safe to call from many threads at once, and it releases
the GIL while it works on large inputs."""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest

import baton
from baton import BatonError

AT = "2026-01-31T12:00:00Z"
AT2 = "2026-01-31T13:00:00Z"
THREADS = 8
HAMMER_SECONDS = 2.0


def large_fields(n: int, tag: str) -> Dict[str, Any]:
    return {
        "goal": f"Large baton {tag}",
        "current_state": [f"{tag} state {i}" for i in range(50)],
        "decision_log": [f"{tag} decision {i:06d}: keep the exporter streaming, rows are flushed in order" for i in range(n)],
        "constraints": [f"{tag} constraint {i}" for i in range(200)] + [f"{tag} constraint 7"],  # one duplicate
        "x-meta": {"tag": tag, "n": n, "nested": [{"k": i} for i in range(20)]},
    }


def small_fields(tag: str) -> Dict[str, Any]:
    return {"goal": f"Small {tag}", "decision_log": [f"{tag} d1", f"{tag} d2"], "acceptance": ["done"]}


def _operations() -> List[Tuple[str, Callable[[], Any]]]:
    """Each operation is deterministic (fixed ``at``); errors are results too."""
    ops: List[Tuple[str, Callable[[], Any]]] = []
    for tag, fields in [
        ("small-a", small_fields("a")),
        ("small-b", small_fields("b")),
        ("large-a", large_fields(5_000, "a")),
        ("large-b", large_fields(8_000, "b")),
    ]:
        made = baton.create(fields, stage="planner", at=AT)
        text = json.dumps(made)
        patch = {"decision_log": {"add": [f"{tag} new decision"]}, "constraints": {"remove": [f"{tag} constraint 3"]},
                 "x-meta": {"more": True}}
        bad_patch = {"decision_log": None, "goal": "", "constraints": {"drop": []}}
        n = len(made["decision_log"])
        budget = baton.estimate_tokens(baton.render(made)) - 3 * (n // 4)
        ops += [
            (f"{tag} validate dict", lambda m=made: baton.validate(m)),
            (f"{tag} validate text", lambda t=text: baton.validate(t, budget=500)),
            (f"{tag} create", lambda f=fields: baton.create(f, stage="planner", at=AT, json=True)),
            (f"{tag} apply_patch", lambda m=made, p=patch: baton.apply_patch(m, p, stage="impl", at=AT2)),
            (f"{tag} apply_patch text", lambda t=text, p=patch: baton.apply_patch(t, p, stage="impl", at=AT2, json=True)),
            (f"{tag} apply_patch errors", lambda m=made, p=bad_patch: baton.apply_patch(m, p, stage="impl", at=AT2)),
            (f"{tag} render", lambda m=made: baton.render(m, history=True, extensions=True)),
            (f"{tag} render budget", lambda m=made, b=budget: baton.render(m, max_tokens=b)),
            (f"{tag} to_json", lambda t=text: baton.to_json(t, pretty=True)),
            (f"{tag} verify", lambda m=made: baton.verify(m)),
        ]
    return ops


def outcome(call: Callable[[], Any]) -> Any:
    try:
        return ("ok", call())
    except BatonError as err:
        return ("error", err.errors)


@pytest.fixture(scope="module")
def operations() -> List[Tuple[str, Callable[[], Any], Any]]:
    ops = _operations()
    return [(name, call, outcome(call)) for name, call in ops]


def test_the_inputs_are_large_enough_to_release_the_gil(operations: List[Tuple[str, Callable[[], Any], Any]]) -> None:
    fields = large_fields(5_000, "a")
    assert len(fields["decision_log"]) >= 5_000
    assert len(json.dumps(fields)) > 64 * 1024  # above the binding's 64 KiB threshold
    results = {name: expected for name, _, expected in operations}
    assert results["large-a apply_patch errors"][0] == "error"
    assert "earlier decisions left out" in results["large-a render budget"][1]
    assert [w["code"] for w in results["large-b validate dict"][1]["warnings"]] == ["over_budget", "duplicate"]


def test_eight_threads_agree_with_the_single_threaded_answers(operations: List[Tuple[str, Callable[[], Any], Any]]) -> None:
    barrier = threading.Barrier(THREADS)
    failures: List[str] = []
    passes = [0] * THREADS
    calls = [0] * THREADS

    def worker(index: int) -> None:
        rng = random.Random(index)
        order = list(operations)
        try:
            barrier.wait()
            deadline = time.monotonic() + HAMMER_SECONDS
            while time.monotonic() < deadline or passes[index] == 0:
                rng.shuffle(order)
                for name, call, expected in order:
                    got = outcome(call)
                    calls[index] += 1
                    if got != expected:
                        failures.append(f"thread {index}: {name} differs")
                        return
                passes[index] += 1
        except BaseException as err:  # noqa: BLE001 - a panic must fail the test, not vanish in a thread
            failures.append(f"thread {index}: {type(err).__name__}: {err}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert failures == []
    assert all(p >= 1 for p in passes), passes
    assert sum(calls) >= THREADS * len(operations)


@pytest.fixture
def long_switch_interval() -> Iterator[None]:
    """Between bytecodes CPython forces a thread switch every switch interval (5 ms by
    default): that would let the counter thread run before or after the measured call
    even if the call held the GIL throughout. With a long interval, the counter thread
    only runs while the main thread has released the GIL itself."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(0.25)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def test_the_gil_is_released_on_large_inputs(long_switch_interval: None) -> None:
    fields = large_fields(200_000, "gil")
    counter = [0]
    stop = threading.Event()

    def count() -> None:
        # time.sleep(0) gives the GIL back every round, so the main thread never
        # waits for a forced switch to take it back.
        while not stop.is_set():
            counter[0] += 1
            time.sleep(0)

    def progress_during(call: Callable[[], Any]) -> int:
        before = counter[0]
        call()
        return counter[0] - before

    thread = threading.Thread(target=count, daemon=True)
    thread.start()
    try:
        while counter[0] < 10:  # the counter thread is running
            time.sleep(0.001)
        # Control: a C loop that holds the GIL for tens of milliseconds lets the counter
        # make (almost) no progress, which shows the measurement means something.
        control = sum(progress_during(lambda: sum(range(2_000_000))) for _ in range(3))
        released = sum(progress_during(lambda: baton.validate(fields)) for _ in range(3))
        released_text = progress_during(lambda: baton.apply_patch(fields, {"decision_log": ["more"]}, stage="s", at=AT))
    finally:
        stop.set()
        thread.join(timeout=10)
    print(f"counter progress: control {control}, validate {released}, apply_patch {released_text}")
    assert control <= 6, f"the control made progress ({control}): the measurement is not meaningful here"
    assert released >= 20, f"the counter thread advanced only {released} times during validate (control {control})"
    assert released_text >= 5, f"the counter thread advanced only {released_text} times during apply_patch"
