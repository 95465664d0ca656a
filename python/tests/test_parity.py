"""Parity of the three runtimes: the Python package, the npm package under Node
and the ``baton`` CLI get the same inputs and must give the same bytes.

Inputs (``parity/cases.py``):

* every case of every ``tests/vectors/*.json`` (all eleven ops);
* ``SCENARIOS`` generated scenarios from ``random.Random(SEED)`` (the seed is
  fixed and printed; ``BATON_PARITY_SEED`` overrides it): each is one random
  baton (validate, to_json, render, prompt), a patch for it (apply_patch), a
  replayable or tampered history (verify), fields (create), a diff pair, a
  merge-patch pair, a model reply (extract_patch) and a text
  (estimate_tokens). Strings mix non-BMP characters, combining marks, RTL and
  override characters, zero-width and control characters, newlines and
  Markdown-forging prefixes; ``x-`` values nest, some beyond 64 and 100
  levels; about a third of the documents and patches carry bad values; some
  inputs exist only as text (duplicate keys, BOM, ``1e400``, truncation).

Every ``at`` is a fixed timestamp, so outputs are deterministic.

Compared, for each input and operation: on success the canonical JSON text
(``json=True`` / ``{json: true}`` / ``--json`` stdout without its final
newline), the pretty form of created and patched batons (``to_json(pretty)``
against the CLI's default output), the Markdown, the prompt text and token
counts; on failure the ``(code, path)`` list, and the messages as well: they
are the core's, passed through unchanged by every runtime. Pairs: Python-Node,
Python-CLI, Node-CLI on the JSON text (the bytes the CLI reads from a file),
and Python-Node again with the JSON arguments passed natively (``json.loads``
dict vs ``JSON.parse`` object); there only the conversion layer's own messages
(nesting beyond 100 levels, lone surrogates in native strings) are exempt, not
their codes and paths. Every discrepancy fails the test; none is tolerated as
known. The failure lists each (op, pair, kind) group with two examples, and
the full report (every input and both results) is written to
``BATON_PARITY_REPORT`` or ``<tmp_path>/parity-report.json``.

Cost: Python runs in this process; Node runs once for every job
(``parity/node_runner.mjs``, jobs and results through JSON files); the CLI has
no batch mode, so it runs one process per job (plus one without ``--json`` for
the pretty form of a successful create/patch), 4 at a time, on every vector
case and on the generated scenarios whose index is divisible by ``CLI_EVERY``
(300 of 1,200): about 3,300 jobs, about 3,600 processes. The CLI cannot
express ``to_json``, render options that are not its flags, a negative budget,
a stage or ``at`` with NUL, or any lone surrogate; those jobs compare Python
with Node only.

The npm package and the CLI must be built (``scripts/build-npm.sh``,
``cargo build -p baton-cli``); the test fails, naming the command, when they are
missing or older than the sources (and likewise for the Python package's
extension module, ``pip install ./python``), rather than compare stale builds;
``BATON_PARITY_ALLOW_STALE=1`` skips the age check (not the existence check).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PARITY = HERE / "parity"
SEED = int(os.environ.get("BATON_PARITY_SEED", "20260101"))
SCENARIOS = 1200
CLI_EVERY = 4
CLI_BINARY = REPO / "target" / "debug" / "baton"
WASM = REPO / "npm" / "wasm" / "baton_bg.wasm"


def _load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"baton_parity_{name}", PARITY / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


cases = _load("cases")
runtimes = _load("runtimes")


def _newest(*dirs: Path) -> float:
    if os.environ.get("BATON_PARITY_ALLOW_STALE") == "1":
        return 0.0  # compare whatever is built, even if the sources changed since
    return max((p.stat().st_mtime for d in dirs for p in d.rglob("*") if p.is_file()), default=0.0)


def _require_builds() -> None:
    problems = []
    if shutil.which("node") is None:
        problems.append("`node` is not on PATH (the npm package runs under Node)")
    core = [REPO / "crates" / "baton-core" / "src"]
    if not CLI_BINARY.is_file():
        problems.append(f"the CLI is not built ({CLI_BINARY} missing): run `cargo build -p baton-cli`")
    elif CLI_BINARY.stat().st_mtime < _newest(*core, REPO / "crates" / "baton-cli" / "src"):
        problems.append(f"the CLI ({CLI_BINARY}) is older than its sources: run `cargo build -p baton-cli`")
    if not WASM.is_file() or not (REPO / "npm" / "wasm" / "baton.js").is_file():
        problems.append("the npm package is not built (npm/wasm/ missing): run `scripts/build-npm.sh`")
    elif WASM.stat().st_mtime < _newest(*core, REPO / "bindings" / "wasm" / "src"):
        problems.append("the npm package's wasm is older than its sources: run `scripts/build-npm.sh`")
    try:
        import baton._baton as ext

        if Path(ext.__file__).stat().st_mtime < _newest(*core, REPO / "bindings" / "python" / "src"):
            problems.append(f"the Python package's extension ({ext.__file__}) is older than its sources: "
                            "reinstall it (`pip install ./python` into this venv)")
    except ImportError as e:
        problems.append(f"the Python package does not import ({e}): `pip install ./python` into this venv")
    if problems:
        pytest.fail("cannot run the parity test:\n  " + "\n  ".join(problems), pytrace=False)


def _short(v: Any, limit: int = 600) -> str:
    text = json.dumps(v, ensure_ascii=True)
    return text if len(text) <= limit else text[:limit] + "..."


def _job_input(job: Dict[str, Any]) -> Dict[str, Any]:
    shown = {k: job[k] for k in ("stage", "at", "budget", "options", "reply", "text") if job[k] is not None}
    shown.update({f"{k}_text": v["text"] for k, v in job["in"].items()})
    return shown


def _differing(a: Dict[str, Any], b: Dict[str, Any]) -> Any:
    """The parts of two results that differ, for the failure message."""
    if "ok" in a and "ok" in b:
        return {f: [a["ok"][f], b["ok"][f]] for f in sorted(set(a["ok"]) & set(b["ok"])) if a["ok"][f] != b["ok"][f]}
    return [a, b]


def test_parity(tmp_path: Path) -> None:
    _require_builds()
    started = time.monotonic()
    print(f"\nparity seed {SEED} ({SCENARIOS} scenarios, CLI on every {CLI_EVERY}th)")

    vector_jobs = cases.vector_jobs(REPO / "tests" / "vectors")
    generated = cases.generated_jobs(SEED, SCENARIOS)
    for job in generated:
        if int(job["id"][1:5]) % CLI_EVERY != 0:
            job["cli"] = False
    jobs: List[Dict[str, Any]] = vector_jobs + generated
    assert len({j["id"] for j in jobs}) == len(jobs), "job ids must be unique"
    by_id = {j["id"]: j for j in jobs}

    phases: Dict[str, float] = {}
    mark = time.monotonic()
    py = runtimes.run_python(jobs)
    phases["python"], mark = round(time.monotonic() - mark, 1), time.monotonic()
    node = runtimes.run_node(jobs, PARITY / "node_runner.mjs", tmp_path)
    phases["node"], mark = round(time.monotonic() - mark, 1), time.monotonic()
    cli = runtimes.run_cli(jobs, CLI_BINARY, tmp_path, threads=4)
    phases["cli"] = round(time.monotonic() - mark, 1)

    pairs = [
        ("python", "node", "text", py, node),
        ("python", "cli", "text", py, cli),
        ("node", "cli", "text", node, cli),
        ("python", "node", "native", py, node),
    ]
    compared: Dict[str, int] = defaultdict(int)
    found: Dict[tuple, List[Dict[str, Any]]] = defaultdict(list)
    for a_name, b_name, mode, a_res, b_res in pairs:
        pair = f"{a_name}-{b_name} ({mode})"
        for job in jobs:
            ra, rb = a_res.get(job["id"], {}).get(mode), b_res.get(job["id"], {}).get(mode)
            if ra is None or rb is None:
                continue
            compared[pair] += 1
            kind = runtimes.compare(ra, rb, messages=not (mode == "native" and job["loose_native_msg"]))
            if kind:
                found[(job["op"], pair, kind)].append(
                    {"id": job["id"], "input": _job_input(job), a_name: ra, b_name: rb, "diff": _differing(ra, rb)})

    elapsed = time.monotonic() - started
    summary = {
        "seed": SEED,
        "jobs": len(jobs),
        "vector_jobs": len(vector_jobs),
        "generated_scenarios": SCENARIOS,
        "cli_jobs": len(cli),
        "cli_vector_jobs": sum(1 for j in vector_jobs if j["id"] in cli),
        "cli_generated_jobs": sum(1 for j in generated if j["id"] in cli),
        "cli_processes": len(cli) + sum(
            1 for i, r in cli.items() if by_id[i]["op"] in ("apply_patch", "create") and "ok" in r["text"]),
        "compared_per_pair": dict(compared),
        "seconds": round(elapsed, 1),
        "seconds_per_runtime": phases,
        "discrepancies": {" | ".join(k): len(v) for k, v in sorted(found.items())},
    }
    report_path = Path(os.environ.get("BATON_PARITY_REPORT", tmp_path / "parity-report.json"))
    report_path.write_text(json.dumps(
        {"summary": summary, "findings": {" | ".join(k): v for k, v in sorted(found.items())}},
        ensure_ascii=True, indent=1), encoding="ascii")
    print(json.dumps(summary, indent=1))

    assert compared["python-node (text)"] == len(jobs)
    assert compared["python-cli (text)"] == compared["node-cli (text)"] >= 300
    if found:
        lines = [f"{sum(len(v) for v in found.values())} discrepancies between runtimes "
                 f"(seed {SEED}; every one in {report_path}):"]
        for (op, pair, kind), items in sorted(found.items()):
            lines.append(f"\n== {op} | {pair} | {kind}: {len(items)} inputs")
            for item in sorted(items, key=lambda i: len(json.dumps(i["input"])))[:2]:  # the smallest inputs
                lines.append(f"  {item['id']}: input {_short(item['input'], 400)}")
                lines.append(f"    differs: {_short(item['diff'], 700)}")
        pytest.fail("\n".join(lines), pytrace=False)
