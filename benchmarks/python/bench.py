"""Python benchmark: baton-handoff next to what a Python user would write instead.

Run from the repository root (creates benchmarks/python/.venv once, installs
requirements.txt and the package from ./python, then runs this file):

    benchmarks/python/run.sh              # the table, the breakdown, results.json
    benchmarks/python/run.sh --profile    # also a pyinstrument profile of our calls

or, in a venv that already has both installed:

    python benchmarks/python/bench.py [--no-breakdown] [--profile]

The package `baton-handoff` (the Rust core through pyo3) against, in the same
process and run, on the seed example baton and on a 1,000-decision baton:

  validate     a pydantic v2 model of the baton (model_validate / model_validate_json),
               jsonschema's Draft202012Validator with the committed
               schema/baton.schema.json (is_valid for the headline; also
               list(iter_errors()), which collects every error as ours does),
               and fastjsonschema (the same schema, compiled once; it stops at
               the first error); from JSON text theirs is json.loads first,
               except pydantic, which parses the text itself
  apply_patch  json_merge_patch.merge(copy.deepcopy(doc), patch): RFC 7396 cannot
               append, so its patch carries the whole arrays with the new entry
               added; from JSON text theirs json.loads both first
  render       a straightforward f-string Markdown renderer (this file)

The sides do not do the same work. Ours also applies the semantic rules (blank
entries, timestamps), the duplicate and token-budget warnings, reads every
Python input into the core (plain data through a borrowed tape of its objects,
JSON text by parsing it) and builds every result as Python objects (apply_patch:
from the core's canonical JSON, in Rust); apply_patch also checks the patch,
enforces append-only and writes history entries (the first, on a baton without
history, holds the whole initial baton, so the result is about twice the input). The figures say what that
costs; nothing here asserts a timing. The package is whatever is installed in
the running venv: results.json records the extension's hash and build time and
the git state of the sources it is built from.

Harness (timeit-style): each function is warmed up for WARMUP_S, timeit's
autorange picks a loop count (a batch of at least 0.2 s), then REPEATS
batches per function, the contenders of a case interleaved batch by batch; the
figure is the best batch's mean ns per call. As in timeit, the garbage
collector is off while a batch runs, and each call goes through one
zero-argument closure (the harness overhead is measured and reported).
"""

from __future__ import annotations

import argparse
import copy
import datetime as _dt
import gc
import hashlib
import importlib.metadata as md
import json
import os
import platform
import sys
import time
import timeit
from pathlib import Path
from typing import Annotated, Any, Callable, Literal

import baton
import fastjsonschema
import json_merge_patch
import jsonschema
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCHEMA_PATH = ROOT / "schema" / "baton.schema.json"
RESULTS_PATH = HERE / "results.json"

WARMUP_S = 0.05
REPEATS = 5

# ---------------------------------------------------------------- inputs

SEED: dict[str, Any] = {
    "goal": "Add user auth",
    "current_state": ["Routes created", "Tests passing"],
    "decision_log": ["Chose JWT over sessions"],
    "constraints": ["No breaking changes"],
    "work_scope": ["src/auth/*"],
    "artifacts": [],
    "open_questions": [],
    "acceptance": ["All auth tests green"],
}
DECISIONS = [f"Decision {i}: chose option {i % 7} because of benchmark {i}" for i in range(1000)]
BIG: dict[str, Any] = {**SEED, "decision_log": DECISIONS}

PATCH = {"current_state": {"add": ["Review done"]}, "decision_log": {"add": ["Ship it"]}}
PATCH_TEXT = json.dumps(PATCH)
STAGE = "bench"
AT = "2026-01-01T00:00:00Z"

INVALID = {"goal": "", "current_state": [1, "ok"], "decision_log": "nope", "extra": True}


def whole_array_patch(doc: dict[str, Any]) -> dict[str, Any]:
    """The RFC 7396 patch with the same effect as PATCH: whole arrays, new entry appended."""
    return {
        "current_state": [*doc["current_state"], "Review done"],
        "decision_log": [*doc["decision_log"], "Ship it"],
    }


class Doc:
    def __init__(self, name: str, obj: dict[str, Any]) -> None:
        self.name = name
        self.obj = obj
        self.text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        self.merge_patch = whole_array_patch(obj)
        self.merge_patch_text = json.dumps(self.merge_patch, separators=(",", ":"))


DOCS = [Doc("seed", SEED), Doc("1k decisions", BIG)]

# ---------------------------------------------------------------- theirs: pydantic

# A faithful model of schema/baton.schema.json:
# - strict=True: no lax coercion ("1" is not 1, 5 is not "5"), as in JSON Schema;
# - goal and every list entry: str with min_length=1 (the schema's Entry);
# - the seven lists default to [] (absent is fine), version is Literal[1]
#   (absent is fine, null is not), history is a list of {stage, at, patch: dict}
#   entries with no other member;
# - unknown members: extra='allow' with `__pydantic_extra__` typed so that its
#   keys must match ^x- (pydantic-core validates the keys of extras against the
#   annotation). This keeps the check inside pydantic-core, in the same pass,
#   and reports a stray key together with every other error, as the schema's
#   additionalProperties: false does. (The alternative, extra='allow' plus a
#   model_validator(mode='after'), only runs once every field is valid and
#   costs a Python call per validation.)
# Known difference: Literal[1] accepts True (True == 1 in Python), the schema's
# const does not.
Entry = Annotated[str, StringConstraints(min_length=1)]
ExtensionKey = Annotated[str, StringConstraints(pattern=r"^x-")]


class HistoryItem(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    stage: Entry
    at: str
    patch: dict[str, Any]


class BatonModel(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    __pydantic_extra__: dict[ExtensionKey, Any] = Field(init=False)  # type: ignore[assignment]

    version: Literal[1] = 1
    goal: Entry
    current_state: list[Entry] = []
    decision_log: list[Entry] = []
    constraints: list[Entry] = []
    open_questions: list[Entry] = []
    work_scope: list[Entry] = []
    artifacts: list[Entry] = []
    acceptance: list[Entry] = []
    history: list[HistoryItem] = []


# ---------------------------------------------------------------- theirs: JSON Schema

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(SCHEMA)
JS_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
# fastjsonschema knows drafts 4, 6 and 7; with a 2020-12 $schema it compiles with
# its newest draft, which covers every keyword this schema uses ($ref into
# $defs, const, patternProperties, additionalProperties, minLength).
FAST_VALIDATE = fastjsonschema.compile(SCHEMA)


def fast_is_valid(d: Any) -> bool:
    try:
        FAST_VALIDATE(d)
        return True
    except fastjsonschema.JsonSchemaException:
        return False


def jsonschema_all_errors(d: Any) -> list[Any]:
    return list(JS_VALIDATOR.iter_errors(d))


# ---------------------------------------------------------------- theirs: renderer

SECTIONS = [
    ("current_state", "Current state"),
    ("decision_log", "Decisions (append-only)"),
    ("constraints", "Constraints"),
    ("open_questions", "Open questions"),
    ("work_scope", "Work scope"),
    ("artifacts", "Artifacts"),
    ("acceptance", "Acceptance"),
]


def py_render(b: dict[str, Any]) -> str:
    """What a Python user writes: f-strings, one "- entry" line each, "(none)" when empty."""
    out = [f"# Baton\n\n## Goal\n{b['goal']}\n"]
    for field, heading in SECTIONS:
        items = b.get(field) or []
        out.append(f"\n## {heading}\n")
        if items:
            out.extend(f"- {e}\n" for e in items)
        else:
            out.append("(none)\n")
    return "".join(out)


# ---------------------------------------------------------------- sanity

def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"sanity check failed: {message}")


def pydantic_accepts(d: Any, text: bool = False) -> bool:
    try:
        BatonModel.model_validate_json(d) if text else BatonModel.model_validate(d)
        return True
    except ValidationError:
        return False


def pydantic_errors(d: Any) -> int:
    try:
        BatonModel.model_validate(d)
        return 0
    except ValidationError as e:
        return e.error_count()


def sanity() -> dict[str, Any]:
    """Every contender does the work: accepts the valid docs, rejects invalid ones."""
    for d in DOCS:
        n = len(d.obj["decision_log"])
        # validate: every validator accepts both docs, from a dict and from text.
        check(baton.validate(d.obj)["valid"], f"ours rejects {d.name}")
        check(baton.validate(d.text)["valid"], f"ours rejects {d.name} (text)")
        check(pydantic_accepts(d.obj), f"pydantic rejects {d.name}")
        check(pydantic_accepts(d.text, text=True), f"pydantic rejects {d.name} (text)")
        model = BatonModel.model_validate(d.obj)
        check(model.decision_log == d.obj["decision_log"], f"pydantic lost decisions of {d.name}")
        check(JS_VALIDATOR.is_valid(d.obj), f"jsonschema rejects {d.name}")
        check(JS_VALIDATOR.is_valid(json.loads(d.text)), f"jsonschema rejects {d.name} (text)")
        check(jsonschema_all_errors(d.obj) == [], f"jsonschema reports errors on {d.name}")
        check(fast_is_valid(d.obj), f"fastjsonschema rejects {d.name}")
        check(fast_is_valid(json.loads(d.text)), f"fastjsonschema rejects {d.name} (text)")

        # apply_patch: every side appends to both lists and leaves its input alone.
        before = copy.deepcopy(d.obj)
        for label, result in [
            ("ours", baton.apply_patch(d.obj, PATCH, stage=STAGE, at=AT)),
            ("ours (text)", baton.apply_patch(d.text, PATCH_TEXT, stage=STAGE, at=AT)),
            ("theirs", json_merge_patch.merge(copy.deepcopy(d.obj), d.merge_patch)),
            ("theirs (text)", json_merge_patch.merge(json.loads(d.text), json.loads(d.merge_patch_text))),
        ]:
            check(len(result["decision_log"]) == n + 1, f"{label} apply_patch on {d.name}: decision count")
            check(result["decision_log"][-1] == "Ship it", f"{label} apply_patch on {d.name}: appended decision")
            check(result["decision_log"][:n] == d.obj["decision_log"], f"{label} apply_patch on {d.name}: kept decisions")
            check(result["current_state"][-1] == "Review done", f"{label} apply_patch on {d.name}: current_state")
            check(result["goal"] == d.obj["goal"], f"{label} apply_patch on {d.name}: goal")
        check(d.obj == before, f"apply_patch mutated the {d.name} input")

        # render: both emit every decision, and here the very same Markdown.
        ours = baton.render(d.obj)
        theirs = py_render(d.obj)
        for md_text in (ours, baton.render(d.text), theirs, py_render(json.loads(d.text))):
            check(all(f"- {e}\n" in md_text for e in d.obj["decision_log"]), f"render of {d.name} misses a decision")
            check(f"## Goal\n{d.obj['goal']}\n" in md_text, f"render of {d.name} misses the goal")
        check(ours == theirs, f"the two renderings of {d.name} differ")

    # Every validator rejects an invalid document, from a dict and from text;
    # those that collect every error report at least 3 here (4 problems).
    invalid_text = json.dumps(INVALID)
    ours = baton.validate(INVALID)
    check(not ours["valid"] and len(ours["errors"]) >= 3, "ours accepts the invalid document")
    check(not baton.validate(invalid_text)["valid"], "ours accepts the invalid document (text)")
    check(not pydantic_accepts(INVALID), "pydantic accepts the invalid document")
    check(not pydantic_accepts(invalid_text, text=True), "pydantic accepts the invalid document (text)")
    check(pydantic_errors(INVALID) >= 3, "pydantic reports fewer than 3 errors")
    check(not JS_VALIDATOR.is_valid(INVALID), "jsonschema accepts the invalid document")
    js_errors = jsonschema_all_errors(INVALID)
    check(len(js_errors) >= 3, "jsonschema iter_errors reports fewer than 3 errors")
    check(not fast_is_valid(INVALID), "fastjsonschema accepts the invalid document")
    check(not fast_is_valid(json.loads(invalid_text)), "fastjsonschema accepts the invalid document (text)")

    # The edges of the model: a stray member alone is rejected, an x- member is
    # carried, a wrong version and a bad history entry are rejected, by all four.
    edges_bad = [
        {"goal": "x", "stray": 1},
        {"goal": "x", "version": 2},
        {"goal": "x", "version": None},
        {"goal": "x", "history": [{"stage": "", "at": AT, "patch": {}}]},
        {"goal": "x", "history": [{"stage": "s", "at": AT, "patch": {}, "more": 1}]},
        {"goal": "x", "history": [{"stage": "s", "at": AT, "patch": []}]},
        {"goal": "x", "work_scope": ["ok", ""]},
        {"current_state": []},
    ]
    for bad in edges_bad:
        check(not baton.validate(bad)["valid"], f"ours accepts {bad}")
        check(not pydantic_accepts(bad), f"pydantic accepts {bad}")
        check(not JS_VALIDATOR.is_valid(bad), f"jsonschema accepts {bad}")
        check(not fast_is_valid(bad), f"fastjsonschema accepts {bad}")
    good = {"goal": "x", "version": 1, "x-ext": {"any": [1, None]},
            "history": [{"stage": "s", "at": AT, "patch": {"goal": "x"}}]}
    check(baton.validate(good)["valid"], "ours rejects an x- member")
    check(pydantic_accepts(good), "pydantic rejects an x- member")
    check(BatonModel.model_validate(good).model_extra == {"x-ext": {"any": [1, None]}}, "pydantic drops x-")
    check(JS_VALIDATOR.is_valid(good), "jsonschema rejects an x- member")
    check(fast_is_valid(good), "fastjsonschema rejects an x- member")
    return {
        "invalid_document": INVALID,
        "errors_reported": {
            "ours": len(ours["errors"]),
            "pydantic": pydantic_errors(INVALID),
            "jsonschema_iter_errors": len(js_errors),
            "fastjsonschema": 1,
        },
        "edge_documents_rejected_by_all": len(edges_bad),
    }


# ---------------------------------------------------------------- harness

def warm(fn: Callable[[], Any]) -> None:
    end = time.perf_counter() + WARMUP_S
    while time.perf_counter() < end:
        fn()


# Wall and CPU seconds of every timed batch: a CPU share well below 1 means
# the machine was busy with something else while we measured.
BUSY = {"wall": 0.0, "cpu": 0.0}


def measure(fns: list[Callable[[], Any]]) -> list[float]:
    """Best-of-REPEATS mean ns/call of each function, batches interleaved."""
    timers = [timeit.Timer(fn) for fn in fns]
    for fn in fns:
        warm(fn)
    numbers = [t.autorange()[0] for t in timers]
    best = [float("inf")] * len(fns)
    for _ in range(REPEATS):
        for i, (t, n) in enumerate(zip(timers, numbers)):
            cpu = time.process_time()
            wall = t.timeit(n)
            BUSY["cpu"] += time.process_time() - cpu
            BUSY["wall"] += wall
            best[i] = min(best[i], wall / n * 1e9)
    return best


def cpu_share() -> float:
    return BUSY["cpu"] / BUSY["wall"] if BUSY["wall"] else 1.0


# ---------------------------------------------------------------- cases

# The issue's targets, on validate from a dict (ratio = our time / their time).
TARGET_CASE = "validate (dict)"
TARGETS = {
    "pydantic": ("<= 1.0x pydantic model_validate", 1.0),
    "jsonschema": (">= 20x faster than jsonschema", 1 / 20),
}


def cases(d: Doc) -> list[tuple[str, Callable[[], Any], list[tuple[str, str, Callable[[], Any]]]]]:
    """(case, ours, [(key, competitor label, theirs), ...])."""
    obj, text = d.obj, d.text
    mp, mp_text = d.merge_patch, d.merge_patch_text
    validate, apply_patch, render = baton.validate, baton.apply_patch, baton.render
    mv, mvj = BatonModel.model_validate, BatonModel.model_validate_json
    is_valid, fast, loads, merge, deepcopy = JS_VALIDATOR.is_valid, fast_is_valid, json.loads, json_merge_patch.merge, copy.deepcopy
    return [
        ("validate (dict)", lambda: validate(obj), [
            ("pydantic", "pydantic model_validate", lambda: mv(obj)),
            ("jsonschema", "jsonschema is_valid", lambda: is_valid(obj)),
            ("jsonschema_all", "jsonschema iter_errors (all)", lambda: jsonschema_all_errors(obj)),
            ("fastjsonschema", "fastjsonschema", lambda: fast(obj)),
        ]),
        ("validate (JSON text)", lambda: validate(text), [
            ("pydantic", "pydantic model_validate_json", lambda: mvj(text)),
            ("jsonschema", "json.loads + jsonschema is_valid", lambda: is_valid(loads(text))),
            ("jsonschema_all", "json.loads + jsonschema iter_errors", lambda: jsonschema_all_errors(loads(text))),
            ("fastjsonschema", "json.loads + fastjsonschema", lambda: fast(loads(text))),
        ]),
        ("apply_patch (dicts)", lambda: apply_patch(obj, PATCH, stage=STAGE, at=AT), [
            ("json_merge_patch", "json_merge_patch.merge(deepcopy)", lambda: merge(deepcopy(obj), mp)),
        ]),
        ("apply_patch (JSON text)", lambda: apply_patch(text, PATCH_TEXT, stage=STAGE, at=AT), [
            ("json_merge_patch", "json.loads x2 + json_merge_patch.merge", lambda: merge(loads(text), loads(mp_text))),
        ]),
        ("render (dict)", lambda: render(obj), [
            ("py_render", "f-string renderer", lambda: py_render(obj)),
        ]),
        ("render (JSON text)", lambda: render(text), [
            ("py_render", "json.loads + f-string renderer", lambda: py_render(loads(text))),
        ]),
    ]


def breakdown_cases(d: Doc) -> list[tuple[str, Callable[[], Any]]]:
    """Pieces of our calls, to see where the time goes (the Rust side is opaque to profilers).

    Public API only, so it survives changes to the extension's internals. The
    conversion of a dict into a Rust value is isolated with merge_patch(doc, 1):
    an RFC 7396 patch that is not an object replaces the target, so the call is
    the conversion (or parse) of the target and a one-byte result.
    """
    obj, text = d.obj, d.text
    applied_text = baton.apply_patch(obj, PATCH, stage=STAGE, at=AT, json=True)
    tiny = {"goal": "x"}
    rendered = baton.render(obj)
    return [
        ("validate(dict)", lambda: baton.validate(obj)),
        ("validate(str)", lambda: baton.validate(text)),
        ("validate(json.dumps(dict))", lambda: baton.validate(json.dumps(obj))),
        ("json.dumps(dict)", lambda: json.dumps(obj)),
        ("validate({'goal': 'x'}) (call floor)", lambda: baton.validate(tiny)),
        ("validate(dict, budget=10**9) (a byte bound skips the token estimate)", lambda: baton.validate(obj, budget=10**9)),
        ("estimate_tokens(render(dict)) (the estimate alone)", lambda: baton.estimate_tokens(rendered)),
        ("merge_patch(dict, 1, json=True) (dict -> Rust value)", lambda: baton.merge_patch(obj, 1, json=True)),
        ("merge_patch(str, 1, json=True) (JSON text -> Rust value)", lambda: baton.merge_patch(text, 1, json=True)),
        ("merge_patch(tiny, 1, json=True) (call floor)", lambda: baton.merge_patch(tiny, 1, json=True)),
        ("to_json(dict) (convert + canonical JSON out)", lambda: baton.to_json(obj)),
        ("to_json(str) (parse + canonical JSON out)", lambda: baton.to_json(text)),
        ("apply_patch(dicts)", lambda: baton.apply_patch(obj, PATCH, stage=STAGE, at=AT)),
        ("apply_patch(dicts, json=True) (result left as text)", lambda: baton.apply_patch(obj, PATCH, stage=STAGE, at=AT, json=True)),
        ("apply_patch(text, json=True)", lambda: baton.apply_patch(text, PATCH_TEXT, stage=STAGE, at=AT, json=True)),
        ("json.loads(apply_patch result text) (what building the result in Python would cost)", lambda: json.loads(applied_text)),
        ("render(dict)", lambda: baton.render(obj)),
        ("render(str)", lambda: baton.render(text)),
        ("render(tiny) (call floor)", lambda: baton.render(tiny)),
        ("harness floor: lambda: None", lambda: None),
    ]


# ---------------------------------------------------------------- output

def fmt_ops(ns: float) -> str:
    ops = 1e9 / ns
    return f"{ops:,.0f}" if ops >= 100 else f"{ops:.1f}"


def fmt_time(ns: float) -> str:
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns / 1e6:.2f} ms"


def print_table(header: list[str], rows: list[list[str]], left: set[int]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    print(line(header))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line(r))


def versions() -> dict[str, str]:
    out = {}
    for dist in ["baton-handoff", "pydantic", "pydantic_core", "jsonschema", "jsonschema-specifications",
                 "referencing", "rpds-py", "fastjsonschema", "json-merge-patch"]:
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def extension_info() -> dict[str, Any]:
    from baton import _baton

    path = Path(_baton.__file__)
    data = path.read_bytes()
    return {
        "path": str(path),
        "tree_at_run_time": source_state(),
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest()[:16],
        "mtime": _dt.datetime.fromtimestamp(path.stat().st_mtime, _dt.timezone.utc).isoformat(timespec="seconds"),
    }


def source_state() -> dict[str, Any]:
    """The commit of the tree and whether the package's sources differ from it."""
    import subprocess

    def git(*argv: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(ROOT), *argv], capture_output=True, text=True,
                                  check=True).stdout.rstrip("\n")
        except (OSError, subprocess.CalledProcessError):
            return ""

    changed = git("status", "--porcelain", "--", "python", "bindings/python", "crates/baton-core")
    # Porcelain lines are "XY path": the status columns may start with a space.
    return {"commit": git("rev-parse", "HEAD") or None,
            "package_sources_changed": [line[3:] for line in changed.splitlines()]}


def cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def profile() -> None:
    """A pyinstrument profile of our calls on the 1k baton: what the Python side costs."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("--profile needs pyinstrument (in requirements.txt)")
        return
    d = DOCS[1]
    for label, fn in [
        ("validate(dict)", lambda: baton.validate(d.obj)),
        ("apply_patch(dicts)", lambda: baton.apply_patch(d.obj, PATCH, stage=STAGE, at=AT)),
        ("render(dict)", lambda: baton.render(d.obj)),
    ]:
        profiler = Profiler(interval=0.0001)
        profiler.start()
        end = time.perf_counter() + 1.0
        while time.perf_counter() < end:
            fn()
        profiler.stop()
        print(f"\n== pyinstrument: {d.name}: {label} (1 s of calls)")
        print(profiler.output_text(unicode=True, color=False, show_all=False))


# ---------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-breakdown", action="store_true", help="skip the breakdown of our calls")
    parser.add_argument("--profile", action="store_true", help="also print a pyinstrument profile of our calls")
    args = parser.parse_args()

    load_before = os.getloadavg()
    checked = sanity()
    ext = extension_info()
    vers = versions()
    print(f"baton-handoff {vers['baton-handoff']} (pyo3) vs pydantic {vers['pydantic']} (core {vers['pydantic_core']}) / "
          f"jsonschema {vers['jsonschema']} / fastjsonschema {vers['fastjsonschema']} / "
          f"json-merge-patch {vers['json-merge-patch']} / f-string renderer")
    print(f"{platform.python_implementation()} {platform.python_version()}, {cpu_model() or 'unknown CPU'}, "
          f"{os.cpu_count()} CPUs; extension {Path(ext['path']).name} {ext['bytes']:,} bytes, "
          f"sha256 {ext['sha256']}…, built {ext['mtime']}")
    print(f"timeit autorange, best of {REPEATS} batches, mean per call; ratio = our time / their time "
          "(below 1: we are faster)\n")

    rows: list[dict[str, Any]] = []
    table: list[list[str]] = []
    for d in DOCS:
        for case, ours, competitors in cases(d):
            ns = measure([ours] + [fn for _, _, fn in competitors])
            ours_ns = ns[0]
            first = True
            for (key, label, _), their_ns in zip(competitors, ns[1:]):
                ratio = ours_ns / their_ns
                row: dict[str, Any] = {
                    "doc": d.name, "case": case, "competitor": label,
                    "ours_ns": round(ours_ns, 1), "theirs_ns": round(their_ns, 1),
                    "ours_ops_per_s": round(1e9 / ours_ns), "theirs_ops_per_s": round(1e9 / their_ns),
                    "ratio": round(ratio, 4),
                }
                target = ""
                if case == TARGET_CASE and key in TARGETS:
                    text, limit = TARGETS[key]
                    row["target"] = text
                    row["pass"] = ratio <= limit
                    verdict = "PASS" if ratio <= limit else "MISS"
                    speed = f"{1 / ratio:.1f}x faster" if ratio < 1 else f"{ratio:.2f}x slower"
                    target = f"{verdict}: {text} ({speed})"
                rows.append(row)
                table.append([
                    f"{d.name}: {case}" if first else "",
                    fmt_ops(ours_ns) if first else "",
                    fmt_time(ours_ns) if first else "",
                    label, fmt_ops(their_ns), fmt_time(their_ns), f"{ratio:.2f}x", target,
                ])
                first = False
            print(f"  measured {d.name}: {case}", file=sys.stderr, flush=True)

    print()
    print_table(["case", "ours ops/s", "ours", "competitor", "their ops/s", "theirs", "ratio", "issue target"],
                table, left={0, 3, 7})
    e = checked["errors_reported"]
    print(f"\nsanity: every validator accepts both docs (dict and text) and rejects the invalid one "
          f"(errors: ours {e['ours']}, pydantic {e['pydantic']}, jsonschema iter_errors "
          f"{e['jsonschema_iter_errors']}, fastjsonschema stops at the first) and {checked['edge_documents_rejected_by_all']} "
          f"edge documents; every patch appends; both renderers emit every decision (identical Markdown).")

    breakdown: list[dict[str, Any]] = []
    if not args.no_breakdown:
        print("\nBreakdown of our calls (best-of mean per call):\n")
        brows = []
        for d in DOCS:
            pieces = breakdown_cases(d)
            ns = measure([fn for _, fn in pieces])
            for (label, _), t in zip(pieces, ns):
                breakdown.append({"doc": d.name, "piece": label, "ns": round(t, 1)})
                brows.append([d.name, label, fmt_time(t)])
            print(f"  measured breakdown {d.name}", file=sys.stderr, flush=True)
        print_table(["doc", "piece", "time"], brows, left={0, 1})

    results = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": f"{platform.system()} {platform.machine()}",
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "versions": vers,
        "extension": ext,
        "harness": {
            "warmup_s": WARMUP_S, "repeats": REPEATS, "loop_count": "timeit.Timer.autorange (>= 0.2 s per batch)",
            "statistic": "best batch mean ns/call", "gc": "disabled during batches (timeit default)",
            "interleaved": True,
        },
        "theirs": {
            "validate": "pydantic BatonModel (strict, typed ^x- extras) model_validate / model_validate_json; "
                        "jsonschema Draft202012Validator(schema/baton.schema.json).is_valid and list(iter_errors); "
                        "fastjsonschema.compile(same schema); from text: json.loads first (pydantic parses itself)",
            "apply_patch": "json_merge_patch.merge(copy.deepcopy(doc), whole-array patch); from text: json.loads both",
            "render": "f-string renderer in bench.py (same Markdown as ours on these docs)",
        },
        "targets": {"validate (dict) vs pydantic model_validate": "ratio <= 1.0",
                    "validate (dict) vs jsonschema is_valid": "ratio <= 0.05 (>= 20x faster)"},
        "machine_load": {"loadavg_before": [round(x, 2) for x in load_before],
                         "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                         "cpu_share_of_timed_batches": round(cpu_share(), 3)},
        "sanity": checked,
        "results": rows,
        "breakdown": breakdown,
    }
    RESULTS_PATH.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    share = cpu_share()
    print(f"\nCPU share of the timed batches: {share:.0%} (load average before: {load_before[0]:.2f}, "
          f"after: {os.getloadavg()[0]:.2f})")
    if share < 0.9:
        print("warning: the machine was busy while we measured; the figures are less reliable than usual")
    print(f"wrote {RESULTS_PATH.relative_to(ROOT)}")

    if args.profile:
        profile()


if __name__ == "__main__":
    gc.collect()
    main()
