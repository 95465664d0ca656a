"""The three runtimes of the parity test, each turning jobs (see cases.py) into
results of one shape:

* ``{"ok": {facet: value}}``: the outputs: ``json`` (canonical JSON text of a
  baton, patch or merge result), ``pretty``, ``markdown``, ``text`` (prompt),
  ``tokens``, ``report`` (validate), ``verify``;
* ``{"errors": [[code, path, message], ...]}``: a ``BatonError`` / exit 1;
* ``{"exception": "..."}``: anything else (a Python ``TypeError``, a JS
  ``TypeError``, a CLI usage error, a crash).

Python and Node run every job twice when it has a native argument: ``text``
mode (every JSON argument as its JSON text, exactly the bytes the CLI reads)
and ``native`` mode (those arguments as ``json.loads`` / ``JSON.parse`` values).
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

Result = Dict[str, Any]


def _issues(errors: Any) -> List[List[str]]:
    return [[e["code"], e["path"], e["message"]] for e in errors]


# --------------------------------------------------------------------------- Python

def run_python(jobs: List[Dict[str, Any]]) -> Dict[str, Dict[str, Result]]:
    import baton
    from baton import _baton

    def one(job: Dict[str, Any], native: bool) -> Result:
        def a(name: str) -> Any:
            given = job["in"][name]
            return json.loads(given["text"]) if native and given["native"] else given["text"]

        op = job["op"]
        try:
            if op == "validate":
                kw = {} if job["budget"] is None else {"budget": job["budget"]}
                r = baton.validate(a("document"), **kw)
                return {"ok": {"report": {"valid": r["valid"], "errors": _issues(r["errors"]),
                                          "warnings": _issues(r["warnings"])}}}
            if op in ("apply_patch", "create"):
                if op == "apply_patch":
                    out = baton.apply_patch(a("baton"), a("patch"), stage=job["stage"], at=job["at"], json=True)
                else:
                    out = baton.create(a("fields"), stage=job["stage"], at=job["at"], json=True)
                return {"ok": {"json": out, "pretty": baton.to_json(out, pretty=True)}}
            if op == "verify":
                v = baton.verify(a("baton"))
                return {"ok": {"verify": "ok"}} if v["ok"] else {"errors": _issues(v["errors"])}
            if op == "diff":
                return {"ok": {"json": baton.diff(a("old"), a("new"), json=True)}}
            if op == "merge_patch":
                return {"ok": {"json": baton.merge_patch(a("target"), a("patch"), json=True)}}
            if op == "render":
                o = job["options"]
                if o is None:
                    md = baton.render(a("baton"))
                elif isinstance(o, dict) and all(k in ("max_tokens", "history", "extensions") for k in o):
                    md = baton.render(a("baton"), max_tokens=o.get("max_tokens"),
                                      history=o.get("history", False), extensions=o.get("extensions", False))
                else:
                    # Options the keyword API cannot spell (unknown names, not an object):
                    # the extension function the keyword API calls, with the wire form.
                    md = _baton.render(a("baton"), o)
                return {"ok": {"markdown": md, "tokens": baton.estimate_tokens(md)}}
            if op == "to_json":
                b = a("baton")
                return {"ok": {"json": baton.to_json(b), "pretty": baton.to_json(b, pretty=True)}}
            if op == "prompt":
                return {"ok": {"text": baton.prompt(a("baton"), job["stage"])}}
            if op == "extract_patch":
                return {"ok": {"json": baton.extract_patch(job["reply"], json=True)}}
            if op == "estimate_tokens":
                return {"ok": {"tokens": baton.estimate_tokens(job["text"])}}
            raise AssertionError(f"unknown op {op}")
        except baton.BatonError as e:
            return {"errors": _issues(e.errors)}
        except AssertionError:
            raise
        except Exception as e:  # noqa: BLE001 - any other exception is a result to compare
            return {"exception": f"{type(e).__name__}: {e}"}

    out: Dict[str, Dict[str, Result]] = {}
    for job in jobs:
        res = {"text": one(job, False)}
        if any(v["native"] for v in job["in"].values()):
            res["native"] = one(job, True)
        out[job["id"]] = res
    return out


# --------------------------------------------------------------------------- Node

def run_node(jobs: List[Dict[str, Any]], runner: Path, workdir: Path) -> Dict[str, Dict[str, Result]]:
    """One Node process for every job: jobs in a JSON file, results in another."""
    jobs_file, results_file = workdir / "node-jobs.json", workdir / "node-results.json"
    jobs_file.write_text(json.dumps(jobs, ensure_ascii=True), encoding="ascii")
    proc = subprocess.run(["node", str(runner), str(jobs_file), str(results_file)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"node_runner.mjs failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(results_file.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- CLI

def _cli_argv(job: Dict[str, Any], files: Dict[str, str]) -> List[str]:
    op = job["op"]
    stage = [f"--stage={job['stage']}"] if job["stage"] is not None else []
    at = [f"--at={job['at']}"] if job["at"] is not None else []
    if op == "validate":
        return ["validate", files["document"]] + ([f"--budget={job['budget']}"] if job["budget"] is not None else [])
    if op == "apply_patch":
        return ["patch", files["baton"], files["patch"]] + stage + at
    if op == "create":
        return ["create", files["fields"]] + stage + at
    if op == "verify":
        return ["verify", files["baton"]]
    if op == "diff":
        return ["diff", files["old"], files["new"]]
    if op == "merge_patch":
        return ["merge-patch", files["target"], files["patch"]]
    if op == "render":
        o = job["options"] or {}
        argv = ["render", files["baton"]]
        if o.get("max_tokens") is not None:
            argv.append(f"--max-tokens={int(o['max_tokens'])}")
        argv += [f"--{k}" for k in ("history", "extensions") if o.get(k) is True]
        return argv
    if op == "prompt":
        return ["prompt", files["baton"]] + stage
    if op == "extract_patch":
        return ["extract", files["reply"]]
    if op == "estimate_tokens":
        return ["tokens", files["text"]]
    raise AssertionError(f"the CLI cannot run {op}")


def _strip_nl(out: str) -> Tuple[str, bool]:
    return (out[:-1], True) if out.endswith("\n") else (out, False)


def run_cli(jobs: List[Dict[str, Any]], binary: Path, workdir: Path, threads: int = 4) -> Dict[str, Dict[str, Result]]:
    """One `baton --json ...` process per job (4 at a time); for create/patch
    successes a second one without --json for the pretty form."""
    cli_jobs = [j for j in jobs if j["cli"]]
    argvs = []
    for n, job in enumerate(cli_jobs):
        files = {}
        for name, given in job["in"].items():
            path = workdir / f"cli{n}-{name}.json"
            path.write_bytes(given["text"].encode("utf-8"))
            files[name] = str(path)
        for name in ("reply", "text"):
            if job[name] is not None:
                path = workdir / f"cli{n}-{name}.txt"
                path.write_bytes(job[name].encode("utf-8"))
                files[name] = str(path)
        argvs.append(_cli_argv(job, files))

    def run(argv: List[str]) -> subprocess.CompletedProcess:
        return subprocess.run([str(binary)] + argv, capture_output=True, timeout=120)

    def one(item: Tuple[Dict[str, Any], List[str]]) -> Result:
        job, argv = item
        p = run(["--json"] + argv)
        stdout = p.stdout.decode("utf-8", "replace")
        stderr = p.stderr.decode("utf-8", "replace")
        op = job["op"]
        if p.returncode not in (0, 1):
            return {"exception": f"exit {p.returncode}: {stderr.strip()[:500]}"}
        if op == "validate" and stdout:
            r = json.loads(stdout)
            return {"ok": {"report": {"valid": r["valid"], "errors": _issues(r["errors"]),
                                      "warnings": _issues(r["warnings"])}}}
        if p.returncode == 1:
            try:
                errors = _issues(json.loads(stderr)["errors"])
            except (ValueError, KeyError) as e:
                return {"exception": f"exit 1 with unreadable stderr ({e}): {stderr[:500]!r}"}
            if op == "validate":  # unparseable document: no report, the issues on stderr
                return {"ok": {"report": {"valid": False, "errors": errors, "warnings": []}}}
            return {"errors": errors}
        body, had_nl = _strip_nl(stdout)
        if op in ("render", "prompt"):
            pass
        elif not had_nl:
            return {"exception": f"output does not end with a newline: {stdout[-200:]!r}"}
        if op in ("apply_patch", "create"):
            q = run(argv)
            pretty, _ = _strip_nl(q.stdout.decode("utf-8", "replace"))
            return {"ok": {"json": body, "pretty": pretty if q.returncode == 0 else f"exit {q.returncode}"}}
        if op == "verify":
            return {"ok": {"verify": "ok"}} if json.loads(body) == {"ok": True} else {"exception": body}
        if op in ("diff", "merge_patch", "extract_patch"):
            return {"ok": {"json": body}}
        if op == "render":
            r = json.loads(body)
            return {"ok": {"markdown": r["markdown"], "tokens": r["tokens"]}}
        if op == "prompt":
            return {"ok": {"text": stdout}}
        if op == "estimate_tokens":
            return {"ok": {"tokens": json.loads(body)["tokens"]}}
        raise AssertionError(op)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(one, zip(cli_jobs, argvs)))
    return {job["id"]: {"text": r} for job, r in zip(cli_jobs, results)}


# --------------------------------------------------------------------------- comparison

def compare(a: Result, b: Result, *, messages: bool) -> Optional[str]:
    """None when two results agree, else what differs."""
    ka, kb = next(iter(a)), next(iter(b))
    if ka != kb:
        return f"outcome: {ka} vs {kb}"
    if ka == "exception":
        return None  # both failed outside the error model; each side's own exception is reported elsewhere
    if ka == "errors":
        if [e[:2] for e in a["errors"]] != [e[:2] for e in b["errors"]]:
            return "error code/path"
        if messages and a["errors"] != b["errors"]:
            return "error message"
        return None
    for facet in sorted(set(a["ok"]) & set(b["ok"])):
        x, y = a["ok"][facet], b["ok"][facet]
        if facet == "report":
            if x["valid"] != y["valid"]:
                return "report valid"
            for part in ("errors", "warnings"):
                if [e[:2] for e in x[part]] != [e[:2] for e in y[part]]:
                    return f"report {part} code/path"
                if messages and x[part] != y[part]:
                    return f"report {part} message"
        elif x != y or type(x) is not type(y):
            return f"output {facet}"
    return None
