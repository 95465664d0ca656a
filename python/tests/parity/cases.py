"""Inputs of the parity test (../test_parity.py): the shared vectors turned into
runtime-neutral jobs, and a seeded generator of random batons, patches, replies
and texts.

A *job* is one operation on one input, as plain JSON so that the Python runner,
``node_runner.mjs`` and the CLI runner read the same thing:

``{"id", "op", "in": {name: {"text": json_text, "native": bool}}, "stage",
"at", "budget", "options", "reply", "text", "cli": bool, "loose_native_msg": bool}``

* ``in`` holds every JSON argument as JSON text. The CLI reads that text from a
  file; Python and Node pass the same string (a string argument is JSON text).
  ``native`` says the text came from a value, so Python (``json.loads``) and
  Node (``JSON.parse``) can also pass it as a native dict / object ("native
  mode"); text that only exists as text (duplicate keys, a BOM, ``1e400``,
  broken JSON) is never passed natively.
* ``cli`` is False when the CLI cannot express the job: ``to_json`` (no such
  command), render options that are not flags, a negative ``budget``, a stage
  or timestamp holding NUL or a lone surrogate (not an argv string), or a reply
  / text / JSON text holding a lone surrogate (not UTF-8 file content).
* ``loose_native_msg``: in native mode the binding's own conversion layer
  reports the error (nesting beyond 100 levels, a lone surrogate in a native
  string), with a message of its own; codes and paths are still compared.

Every ``at`` of a job is a fixed timestamp (never "now"), so outputs are
deterministic.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from random import Random
from typing import Any, Dict, List, Optional

AT = "2026-01-01T00:00:00Z"
LIST_FIELDS = [
    "current_state", "decision_log", "constraints", "open_questions",
    "work_scope", "artifacts", "acceptance",
]
OPS = [
    "validate", "apply_patch", "create", "verify", "diff", "merge_patch",
    "render", "to_json", "prompt", "extract_patch", "estimate_tokens",
]
RENDER_KEYS = ("max_tokens", "history", "extensions")
MAX_SAFE = 2 ** 53

# --------------------------------------------------------------------------- text helpers

_LONE = re.compile("[\ud800-\udfff]")
WHITE_SPACE = {chr(c) for c in [9, 10, 11, 12, 13, 32, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                                0x2028, 0x2029, 0x202F, 0x205F, 0x3000]}
ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}


def is_blank(s: str) -> bool:
    """SPEC §1 blankness (White_Space plus the zero-width characters)."""
    return all(c in WHITE_SPACE or c in ZERO_WIDTH for c in s)


def has_lone_surrogate(s: str) -> bool:
    return bool(_LONE.search(s))


def dumps(value: Any, *, ascii: bool = False, indent: Optional[int] = None, compact: bool = True) -> str:
    """JSON text of a value. A lone surrogate (only possible in a Python str)
    is written as its ``\\uXXXX`` escape, so the text is always valid Unicode."""
    seps = (",", ":") if compact and indent is None else None
    text = json.dumps(value, ensure_ascii=ascii, indent=indent, separators=seps, allow_nan=False)
    if not ascii:
        text = _LONE.sub(lambda m: "\\u%04x" % ord(m.group()), text)
    return text


def json_depth(v: Any) -> int:
    if isinstance(v, dict):
        return 1 + max((json_depth(x) for x in v.values()), default=0)
    if isinstance(v, list):
        return 1 + max((json_depth(x) for x in v), default=0)
    return 0


def arg(value: Any = None, *, text: Optional[str] = None, ascii: bool = False,
        indent: Optional[int] = None) -> Dict[str, Any]:
    """A JSON argument: from a value (also passable natively) or from raw text."""
    if text is not None:
        return {"text": text, "native": False}
    # A top-level string passed natively would be read as JSON text: text only.
    return {"text": dumps(value, ascii=ascii, indent=indent), "native": not isinstance(value, str)}


def cli_safe(s: Optional[str]) -> bool:
    """Can this string be an argv element (no NUL, no lone surrogate)?"""
    return s is None or ("\x00" not in s and not has_lone_surrogate(s))


def render_options_cli_ok(options: Any) -> bool:
    """Render options the CLI can express as --max-tokens / --history / --extensions."""
    if options is None:
        return True
    if not isinstance(options, dict) or any(k not in RENDER_KEYS for k in options):
        return False
    mt = options.get("max_tokens")
    if mt is not None:
        if isinstance(mt, bool) or not isinstance(mt, (int, float)):
            return False
        if mt != int(mt) or not 0 <= mt <= MAX_SAFE:
            return False
    return all(options.get(k) is None or isinstance(options.get(k), bool) for k in ("history", "extensions"))


def finish(job: Dict[str, Any]) -> Dict[str, Any]:
    """Fills the defaults and decides whether the CLI can run the job."""
    job.setdefault("in", {})
    for key in ("stage", "at", "budget", "options", "reply", "text"):
        job.setdefault(key, None)
    job.setdefault("loose_native_msg", False)
    cli = job["op"] != "to_json"
    cli = cli and all(cli_safe(job[k]) for k in ("stage", "at"))  # argv strings
    cli = cli and not any(job[k] is not None and has_lone_surrogate(job[k]) for k in ("reply", "text"))  # file text
    cli = cli and all(not has_lone_surrogate(a["text"]) for a in job["in"].values())
    if job["op"] == "render":
        cli = cli and render_options_cli_ok(job["options"])
    if job["op"] == "validate" and job["budget"] is not None:
        cli = cli and isinstance(job["budget"], int) and 0 <= job["budget"] <= 2 ** 64 - 1
    job["cli"] = bool(job.get("cli", True) and cli)
    for a in job["in"].values():
        if a["native"]:
            v = json.loads(a["text"])
            if json_depth(v) > 100 or has_lone_surrogate(json.dumps(v, ensure_ascii=False)):
                job["loose_native_msg"] = True
    return job


# --------------------------------------------------------------------------- vectors

_INPUTS = {
    "validate": ["document"], "apply_patch": ["baton", "patch"], "create": ["fields"],
    "verify": ["baton"], "diff": ["old", "new"], "merge_patch": ["target", "patch"],
    "render": ["baton"], "to_json": ["baton"], "prompt": ["baton"],
    "extract_patch": [], "estimate_tokens": [],
}


def vector_jobs(vectors_dir: Path) -> List[Dict[str, Any]]:
    """Every case of every tests/vectors/*.json, as jobs (all runtimes; the CLI where it can)."""
    jobs = []
    for file in sorted(vectors_dir.glob("*.json")):
        suite = json.loads(file.read_text(encoding="utf-8"))
        for case in suite["cases"]:
            op, given = case["op"], case["input"]
            if op not in _INPUTS:
                raise ValueError(f"{file.name} / {case['name']}: unknown op {op!r}")
            job: Dict[str, Any] = {"id": f"v/{file.stem}/{case['name']}", "op": op, "in": {}}
            for name in _INPUTS[op]:
                if name in given:
                    job["in"][name] = arg(given[name])
                elif f"{name}_text" in given:
                    job["in"][name] = arg(text=given[f"{name}_text"])
                else:
                    raise ValueError(f"{file.name} / {case['name']}: input {name} missing")
            for key in ("stage", "at", "budget", "options", "reply", "text"):
                if key in given:
                    job[key] = given[key]
            if op in ("apply_patch", "create") and job.get("at") is None:
                job["at"] = AT  # deterministic outputs
            jobs.append(finish(job))
    return jobs


# --------------------------------------------------------------------------- model helpers

def merge(target: Any, patch: Any) -> Any:
    """RFC 7396."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge(out.get(k), v)
    return out


def apply(fields: Dict[str, Any], patch: Dict[str, Any]) -> Dict[str, Any]:
    """SPEC §5 for a patch known to be valid (used to build histories and diff targets)."""
    f = copy.deepcopy(fields)
    for k, v in patch.items():
        if k == "goal":
            f["goal"] = v
        elif k == "decision_log":
            cur = f.setdefault(k, [])
            for a in (v if isinstance(v, list) else v.get("add", [])):
                if a not in cur:
                    cur.append(a)
        elif k in LIST_FIELDS:
            if v is None:
                f[k] = []
            elif isinstance(v, list):
                f[k] = list(v)
            else:
                cur = [e for e in f.get(k, []) if e not in v.get("remove", [])]
                for a in v.get("add", []):
                    if a not in cur:
                        cur.append(a)
                f[k] = cur
        elif k.startswith("x-"):
            if v is None:
                f.pop(k, None)
            else:
                f[k] = merge(f.get(k), v)
    return f


def strings(v: Any) -> List[str]:
    """The string entries of a list field, whatever a corrupted document holds there."""
    return [e for e in v if isinstance(e, str)] if isinstance(v, list) else []


def origin(fields: Dict[str, Any]) -> Dict[str, Any]:
    o = {"goal": fields["goal"]}
    for name in LIST_FIELDS:
        o[name] = list(fields.get(name, []))
    for k, v in fields.items():
        if k.startswith("x-"):
            o[k] = copy.deepcopy(v)
    return o


# --------------------------------------------------------------------------- the generator

_WORDS = ["plan", "parser drafted", "use the csv crate", "MSRV 1.75", "no unsafe code", "ship it",
          "tests pass", "src/import.rs", "rows streamed", "v2", "42", "TODO", "why?", "ok"]
_UNICODE = ["日本語", "café", "cafe\u0301", "Å", "A\u030a", "\u212b", "🎉", "👩\u200d💻", "𝒳𝓎", "\U0001F600",
            "\U00010348", "ß", "İ", "ﬃ", "Ω", "\u0301\u0308", "e\u0301\u0301", "한국어", "ไทย", "😀👍🏽"]
_RTL = ["שלום", "مرحبا بالعالم", "\u202eevil\u202c", "\u200f", "\u200e", "\u2067x\u2069", "abc\u202edef"]
_ZERO = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
_CONTROL = [chr(c) for c in list(range(0, 32)) + [0x7F, 0x80, 0x85, 0x9F]]
_NEWLINE = ["\n", "\r\n", "\r", "\u2028", "\u2029", "\n\n", "\r\r\n"]
_SPACE = [" ", "  ", "\t", "\u00a0", "\u3000", "\u1680", "\u2003", "\u202f", "\x0b", "\x0c"]
_FORGE = ["# ", "## ", "- ", "* ", "+ ", "> ", "```", "```json\n", "~~~", "1. ", "12) ", "0.", "| a | b |",
          "<div>", "_x_", "[link](http://x)", "![img](x)", "\\", "=", "---", "`code`", "<!-- -->", "    "]
_JSONISH = ['"', '\\"', "{", "}", '{"goal": "x"}', "[", "]", "\\u0000", "baton_patch", ":", ","]
_BLANK = ["", " ", "\u200b", "\t\n", "\u3000\ufeff", "\u2060 \u200d", "\u00a0", "\r\n", "\u2028"]
_TYPOS = ["decison_log", "goals", "Goal", "x_owner", "history2", "currentstate", "", "X-a", "acceptence",
          "constraint", "open_question", "versions", "work-scope", "artifact", "stage", "__proto__"]
_XNAMES = ["x-owner", "x-a", "x-b", "x-ü", "x-日本", "x-🎉", "x-a/b", "x-a~b", "x-", "x-Z", "x-é", "x-e\u0301",
           "x-\u202e", "x-z", "x-0", "x-~1"]
_KEYS = ["a", "b", "k", "team", "lead", "", "~", "/", "a/b", "m~n", "🎉", "é", "e\u0301", "__proto__",
         "constructor", "0", "10", "2", "ключ", "\u0000", "\n", "Z", "z"]
_VALID_AT = ["2026-01-01T00:00:00Z", "2026-11-25T10:00:00.123Z", "0000-02-29T00:00:00Z",
             "2026-06-30T23:59:60Z", "9999-12-31T23:59:59.999999999Z", "2024-02-29T12:34:56.5Z"]
_BAD_AT = ["", "2026-02-30T00:00:00Z", "1900-02-29T00:00:00Z", "2026-01-01T10:30:60Z", "2026-01-01t00:00:00z",
           "2026-01-01T00:00:00+00:00", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00.Z",
           "2026-01-01T00:00:00.1234567890Z", "\uff12026-01-01T00:00:00Z", "2026-1-1T0:0:0Z",
           "10000-01-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:58:60Z", "now", " 2026-01-01T00:00:00Z"]
_NUMBERS = [0, 1, -1, 42, 2 ** 53, 2 ** 53 + 1, -(2 ** 53) - 1, 2 ** 64, 10 ** 30, 0.5, -0.0, 0.1, 1.5, 1e21,
            1e20, 1e-7, 1e-6, 0.000001234, 123456789.125, 5e-324, 1.7976931348623157e308, 2.5e-8, 1e300,
            3.0, -1e-300, 100.0, 9007199254740993.0]


class Generator:
    """Deterministic random inputs: the same seed gives the same jobs."""

    def __init__(self, seed: int) -> None:
        self.rng = Random(seed)

    # ---- strings

    def piece(self) -> str:
        r = self.rng
        group = r.choices(
            [_WORDS, _UNICODE, _RTL, _ZERO, _CONTROL, _NEWLINE, _SPACE, _FORGE, _JSONISH],
            weights=[30, 14, 6, 4, 4, 5, 5, 8, 4])[0]
        return r.choice(group)

    def text(self, lo: int = 1, hi: int = 5) -> str:
        r = self.rng
        parts = [self.piece() for _ in range(r.randint(lo, hi))]
        if r.random() < 0.2:
            parts.insert(0, r.choice(_FORGE))
        return "".join(parts)

    def entry(self) -> str:
        s = self.text()
        return s if not is_blank(s) else s + self.rng.choice(_WORDS)

    def entries(self, hi: int = 4) -> List[str]:
        r = self.rng
        out: List[str] = []
        for _ in range(r.randint(0, hi)):
            out.append(r.choice(out) if out and r.random() < 0.08 else self.entry())
        return out

    def stage(self, argument: bool = True) -> str:
        """A stage name. Only an argument (not the stage of a history entry) may
        hold a lone surrogate, and history stages are rarely bad."""
        r = self.rng
        x = r.random()
        if x < 0.5:
            return r.choice(["plan", "implementer", "tester", "reviewer", "intake"])
        if x < (0.9 if argument else 0.99):
            return self.entry()
        if x < (0.96 if argument else 0.995):
            return r.choice(_BLANK)
        if x < 0.98 or not argument:
            return "a\x00b"
        return "st\ud800age"  # a lone surrogate: native strings only

    def at(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.75:
            return AT
        if x < 0.9:
            return r.choice(_VALID_AT)
        return r.choice(_BAD_AT)

    # ---- JSON values

    def deep(self, n: int) -> Any:
        """A value of depth ``n`` (SPEC §16 counting: ``[[1]]`` is 2)."""
        leaf: Any = self.rng.choice([1, "leaf", None, True])
        for i in range(n):
            leaf = [leaf] if (i + self.rng.randint(0, 1)) % 2 else {self.rng.choice(["a", "k", "/"]): leaf}
        return leaf

    def value(self, depth: int = 0, nulls: bool = True) -> Any:
        r = self.rng
        x = r.random()
        if depth >= 4 or x < 0.45:
            y = r.random()
            if y < 0.15 and nulls:
                return None
            if y < 0.25:
                return r.choice([True, False])
            if y < 0.55:
                return r.choice(_NUMBERS)
            return self.text(0, 4)
        if x < 0.7:
            return [self.value(depth + 1, nulls) for _ in range(r.randint(0, 4))]
        return {r.choice(_KEYS) if r.random() < 0.6 else self.text(1, 2): self.value(depth + 1, nulls)
                for _ in range(r.randint(0, 4))}

    def xvalue(self) -> Any:
        r = self.rng
        x = r.random()
        if x < 0.04:
            return self.deep(r.choice([63, 64, 64, 65, 66, 99]))
        if x < 0.07:
            return None
        return self.value()

    # ---- documents

    def fields(self, many: bool = False) -> Dict[str, Any]:
        r = self.rng
        f: Dict[str, Any] = {"goal": self.entry()}
        for name in LIST_FIELDS:
            if r.random() < 0.7:
                f[name] = self.entries(40 if many and name == "decision_log" else 4)
        for _ in range(r.choice([0, 0, 1, 1, 2, 3])):
            f[r.choice(_XNAMES)] = self.value()
        return f

    def corrupt_doc(self, doc: Dict[str, Any]) -> None:
        """One or more bad values (SPEC §2-§3)."""
        r = self.rng
        for _ in range(r.randint(1, 3)):
            x = r.randrange(11) if r.random() < 0.97 else 11
            if x == 0:
                if r.random() < 0.3:
                    doc.pop("goal", None)
                else:
                    doc["goal"] = r.choice([None, 5, [], {}, True] + _BLANK)
            elif x == 1:
                doc[r.choice(LIST_FIELDS)] = r.choice([None, "str", 5, {"add": []}, True, {}])
            elif x == 2:
                name = r.choice(LIST_FIELDS)
                lst = list(doc.get(name) or []) if isinstance(doc.get(name), list) else []
                lst.insert(r.randint(0, len(lst)), r.choice([None, 3, ["nested"], {}, False] + _BLANK))
                doc[name] = lst
            elif x == 3:
                name = r.choice(LIST_FIELDS)
                lst = [self.entry()] if not isinstance(doc.get(name), list) or not doc.get(name) else doc[name]
                doc[name] = lst + [r.choice(lst)] * r.randint(1, 2)  # duplicates: warnings
            elif x == 4:
                doc[r.choice(_TYPOS)] = self.value(2)
            elif x == 5:
                doc["version"] = r.choice([2, "1", None, 1.5, True, 1.0, 0, 1, [1]])
            elif x == 6:
                doc["history"] = r.choice([None, "x", 5, [5], [None], {}])
            elif x == 7:
                entry: Dict[str, Any] = {"stage": self.stage(False), "at": r.choice(_VALID_AT + _BAD_AT + [5, None]),
                                         "patch": r.choice([{}, [], None, "p", {"goal": ""}, {"bogus": 1}])}
                if r.random() < 0.3:
                    entry.pop(r.choice(["stage", "at", "patch"]))
                if r.random() < 0.3:
                    entry[r.choice(["xatc", "stag", "pach", "extra", "x-a"])] = 1
                doc.setdefault("history", [])
                if isinstance(doc["history"], list):
                    doc["history"].append(entry)
                else:
                    doc["history"] = [entry]
            elif x == 8:
                doc[r.choice(_XNAMES)] = self.deep(r.choice([64, 65, 70, 99, 100, 120]))
            elif x == 9:
                doc["goal"] = r.choice(_CONTROL) + r.choice(_CONTROL)  # not blank, renders empty
            elif x == 10:
                doc[r.choice(_XNAMES)] = None  # valid
            else:
                # A lone surrogate: only a native str can hold one; as text it is a `\ud800` escape.
                doc[r.choice(["goal", "x-a", "x-\ud800"])] = r.choice(["\ud800", "a\udc00b", ["\udfff"]])

    def baton(self) -> Dict[str, Any]:
        r = self.rng
        doc = self.fields(many=r.random() < 0.15)
        if r.random() < 0.3:
            doc["version"] = 1
        if r.random() < 0.2:
            doc["history"] = [{"stage": self.stage(False), "at": r.choice(_VALID_AT), "patch": origin(doc)}]
        if r.random() < 0.35:
            self.corrupt_doc(doc)
        return doc

    def chain(self) -> Dict[str, Any]:
        """A baton whose history replays (then, sometimes, tampered with: verify)."""
        r = self.rng
        fields = self.fields()
        history = [{"stage": self.stage(False), "at": r.choice(_VALID_AT), "patch": origin(fields)}]
        if r.random() < 0.1:
            history[0]["patch"] = {"goal": fields["goal"]}  # lists it lacks are empty
            fields = {"goal": fields["goal"]}
        for _ in range(r.randint(0, 4)):
            p = self.patch(valid=True, current=fields)
            fields = apply(fields, p)
            history.append({"stage": self.stage(False), "at": r.choice(_VALID_AT), "patch": p})
        doc = dict(fields, history=history)
        if r.random() < 0.35:
            x = r.randrange(7)
            if x == 0:
                doc["goal"] = self.entry()
            elif x == 1:
                doc["decision_log"] = strings(doc.get("decision_log")) + [self.entry()]
            elif x == 2:
                doc[r.choice(_XNAMES)] = self.value()
            elif x == 3:
                history.append({"stage": "s", "at": AT, "patch": r.choice(
                    [{"decision_log": None}, {"goal": None}, {"bogus": 1}, {"current_state": "x"},
                     {"x-a": self.deep(70)}, {"history": []}, {"constraints": {"delete": ["a"]}}])})
            elif x == 4:
                history[0]["patch"] = r.choice([{"current_state": ["a"]}, {"goal": ""}, {"goal": "g", "history": []},
                                                 {"goal": "g", "bogus": 1}, {"goal": "g", "version": 1}])
            elif x == 5 and len(history) > 1:
                history.pop(r.randrange(1, len(history)))
            else:
                doc[r.choice(LIST_FIELDS)] = self.entries()
        return doc

    # ---- patches

    def list_edit(self, current: List[str]) -> Dict[str, Any]:
        r = self.rng
        edit: Dict[str, Any] = {}
        if r.random() < 0.7:
            edit["add"] = [r.choice(current) if current and r.random() < 0.2 else self.entry()
                           for _ in range(r.randint(0, 3))]
        if r.random() < 0.6:
            edit["remove"] = [r.choice(current) if current and r.random() < 0.7 else self.entry()
                              for _ in range(r.randint(0, 2))]
        return edit

    def patch(self, valid: bool = True, current: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        r = self.rng
        cur = current or {}
        p: Dict[str, Any] = {}
        for _ in range(r.randint(0, 4)):
            x = r.randrange(6)
            if x == 0:
                p["goal"] = self.entry()
            elif x == 1:
                name = r.choice([n for n in LIST_FIELDS if n != "decision_log"])
                y = r.random()
                if y < 0.4:
                    p[name] = self.entries()
                elif y < 0.5:
                    p[name] = None
                else:
                    p[name] = self.list_edit(strings(cur.get(name)))
            elif x == 2:
                adds = [self.entry() for _ in range(r.randint(0, 3))]
                p["decision_log"] = adds if r.random() < 0.4 else ({"add": adds} if r.random() < 0.9 else {})
            else:
                name = r.choice(_XNAMES)
                v = self.value()
                if r.random() < 0.15:
                    v = None
                elif r.random() < 0.03:
                    v = self.deep(r.choice([63, 64]))
                p[name] = v
        if not valid:
            self.corrupt_patch(p)
        return p

    def corrupt_patch(self, p: Dict[str, Any]) -> None:
        r = self.rng
        for _ in range(r.randint(1, 2)):
            x = r.randrange(8)
            if x == 0:
                p["goal"] = r.choice([None, 5, [], True] + _BLANK)
            elif x == 1:
                p[r.choice([n for n in LIST_FIELDS if n != "decision_log"])] = r.choice(
                    ["str", 5, True, {"add": "x"}, {"add": [""]}, {"remove": [None]}, {"delete": ["a"]},
                     {"add": [1]}, ["ok", ""], ["ok", 7], {"add": ["a"], "remove": ["\u200b"], "replace": []}])
            elif x == 2:
                p["decision_log"] = r.choice([None, {"remove": []}, {"remove": ["a"]}, {"add": ["a"], "remove": ["b"]},
                                              {"replace": []}, "x", [""], {"add": [None]}, {"add": "a"}])
            elif x == 3:
                p[r.choice(["history", "version"])] = r.choice([[], 1, None])
            elif x == 4:
                p[r.choice(_TYPOS)] = 1
            elif x == 5:
                p[r.choice(_XNAMES)] = self.deep(r.choice([65, 66, 80]))
            elif x == 6:
                p["goal"] = self.entry()
                p[r.choice(_TYPOS)] = None
            else:
                p[r.choice(LIST_FIELDS)] = {"add": [self.entry()], r.choice(["Add", "remove ", "x-a", ""]): []}

    # ---- text forms

    def text_arg(self, value: Any, mutate: float = 0.12) -> Dict[str, Any]:
        """A JSON argument, usually its plain text; sometimes text only a parser sees."""
        r = self.rng
        ascii_ = r.random() < 0.3
        indent = r.choice([None, None, None, 0, 2, 4]) if r.random() < 0.4 else None
        a = arg(value, ascii=ascii_, indent=indent)
        if r.random() >= mutate:
            return a
        text = a["text"]
        x = r.randrange(9)
        if x == 0 and isinstance(value, dict) and value:
            key = r.choice(list(value))
            text = "{" + dumps(key) + ":" + dumps(r.choice(["dup", 1, None])) + "," + text[1:]
        elif x == 1:
            text = "\ufeff" + text
        elif x == 2:
            text = r.choice(["\ufeff\ufeff", " \ufeff"]) + text
        elif x == 3:
            text = text + r.choice(["x", " ]", "\u00a0", "\n\n", "}", ",", "\x00"])
        elif x == 4:
            text = text[: r.randint(0, max(0, len(text) - 1))]
        elif x == 5 and text.startswith("{") and len(text) > 2:
            text = '{"x-n":' + r.choice(["1e400", "-1e400", "1e-400", "1.7976931348623159e308", "1E2", "-0",
                                         "1.7976931348623158e308", "0.1e1", "01", "1.", "NaN", "[1,]"]) + "," + text[1:]
        elif x == 6 and text.startswith("{") and len(text) > 2:
            text = '{"x-s":"' + r.choice(["\\ud800", "\\udc00x", "\\ud83c\\udf89", "\\ud83c", "\\u00e9", "\\x",
                                          "\t", "\\/"]) + '",' + text[1:]
        elif x == 7:
            text = "\u00a0" + text if r.random() < 0.5 else "\t\r\n " + text + " \r\n"
        else:
            text = "[" * 101 + "]" * 101 if r.random() < 0.5 else "[" * 100 + "]" * 100
        return {"text": text, "native": False}

    def reply(self) -> str:
        r = self.rng
        p = self.patch(valid=r.random() < 0.7)
        wrapped = {"baton_patch": p} if r.random() < 0.75 else p
        body = dumps(wrapped, ascii=r.random() < 0.2, indent=r.choice([None, 2]))
        prose = self.text(0, 6)
        after = self.text(0, 4)
        nl = r.choice(["\n", "\r\n"])
        x = r.randrange(14)
        if x == 0:
            reply = f"{prose}{nl}{nl}```json{nl}{body}{nl}```{nl}{after}"
        elif x == 1:
            reply = f"{prose} {dumps(wrapped)} {after}"
        elif x == 2:
            reply = r.choice(["", " ", "\n\u3000"]) + body + r.choice(["", "\n", "\u2029"])
        elif x == 3:
            reply = f"{prose}{nl}~~~{r.choice(['JSON', 'json title=x', 'Json', 'jsonc', ''])}{nl}{body}{nl}~~~{nl}"
        elif x == 4:
            reply = f"```json{nl}{{\"goal\": {nl}```{nl}{prose} {dumps(p)}"
        elif x == 5:
            other = dumps({"baton_patch": self.patch()})
            reply = f"```json{nl}{other}{nl}```{nl}{prose}{nl}```{nl}{body}{nl}```"
        elif x == 6:
            reply = f"{prose}{nl}```json{nl}{dumps({'baton_patch': r.choice([[], 'x', None, 5])})}{nl}```"
        elif x == 7:
            reply = prose.replace("{", "(").replace("}", ")")
        elif x == 8:
            reply = f"{prose}{nl}````json{nl}{body}{nl}```{nl}more{nl}````{nl}"
        elif x == 9:
            reply = f"{{note {dumps(wrapped)} end}} {prose}"
        elif x == 10:
            reply = "{" * r.choice([50, 99, 100, 101, 150]) + " " + dumps(wrapped)
        elif x == 11:
            reply = f"  ```json  {nl}{body}"  # unclosed, indented fence
        elif x == 12:
            reply = f"{dumps({'baton_patch': self.patch()})}{nl}{prose}{nl}{dumps(wrapped)}"
        else:
            reply = f"{prose}{nl}```{nl}{self.text_arg(wrapped, mutate=0.6)['text']}{nl}```{nl}{after}"
        if r.random() < 0.02:
            reply += "\ud800"  # a native string with a lone surrogate
        return reply

    def render_options(self) -> Any:
        r = self.rng
        x = r.random()
        if x < 0.4:
            return None
        if x < 0.65:
            return {k: r.choice([True, False, None]) for k in ("history", "extensions") if r.random() < 0.7}
        if x < 0.93:
            o: Dict[str, Any] = {"max_tokens": r.randint(0, 500) if r.random() < 0.85 else
                                 r.choice([0, 2 ** 32 - 1, 2 ** 32, 2 ** 40, 2 ** 53, 10 ** 6, 1000.0, 1e3])}
            if r.random() < 0.5:
                o["history"] = r.choice([True, False])
            if r.random() < 0.5:
                o["extensions"] = r.choice([True, False])
            return o
        return r.choice([{"max_tokens": -1}, {"max_tokens": 1.5}, {"history": "yes"}, {"colour": True},
                         {"max_tokens": "10"}, [True], {"max_tokens": None, "bogus": None}, {"extensions": 1},
                         {"max_tokens": 1e20}, {"max_tokens": 2 ** 53 + 2}, {"max_tokens": -0.0}])

    def budget(self) -> Optional[int]:
        r = self.rng
        x = r.random()
        if x < 0.5:
            return None
        if x < 0.93:
            return r.randint(0, 500)
        if x < 0.98:
            return r.choice([2 ** 32 - 1, 2 ** 32, 2 ** 53, 10 ** 12])
        return -1

    def diff_pair(self) -> Dict[str, Dict[str, Any]]:
        r = self.rng
        old = self.chain() if r.random() < 0.3 else self.fields()
        if r.random() < 0.08:
            self.corrupt_doc(old)
            return {"old": self.text_arg(old), "new": self.text_arg(self.fields())}
        base = {k: v for k, v in old.items() if k != "history"}
        new = apply(base, self.patch(valid=True, current=base))
        x = r.randrange(12)
        if x == 0 and new.get("decision_log"):
            new["decision_log"] = new["decision_log"][1:]  # append_only
        elif x == 1 and len(new.get("decision_log") or []) > 1:
            new["decision_log"] = list(reversed(new["decision_log"]))
        elif x == 2:
            new[r.choice(_XNAMES)] = None  # unrepresentable (or a removal)
        elif x == 3:
            new[r.choice(_XNAMES)] = {"k": {"z": None, "y": [None, {"k": None}]}, r.choice(_KEYS): 1}
        elif x == 4:
            name = r.choice(LIST_FIELDS[2:])
            new[name] = list(reversed(strings(new.get(name)))) + strings(new.get(name))[:1]
        elif x == 5:
            new["decision_log"] = strings(new.get("decision_log")) + ["dup", "dup"]
        elif x == 6:
            self.corrupt_doc(new)
        elif x == 7:
            new[r.choice(LIST_FIELDS)] = self.entries(8)
        if r.random() < 0.3:
            new["history"] = [{"stage": "s", "at": r.choice(_VALID_AT + _BAD_AT[:3]), "patch": {}}]
        return {"old": self.text_arg(old, 0.05), "new": self.text_arg(new, 0.05)}

    def merge_pair(self) -> Dict[str, Dict[str, Any]]:
        r = self.rng
        x = r.random()
        if x < 0.06:
            t, p = self.deep(r.choice([99, 100, 101])), self.value()
        elif x < 0.1:
            t, p = self.value(), self.deep(r.choice([99, 100, 101, 130]))
        else:
            t = self.value(1) if r.random() < 0.8 else self.value(4)
            p = {r.choice(_KEYS): self.value(1) for _ in range(r.randint(0, 5))} if r.random() < 0.85 else self.value()
            if isinstance(t, dict) and isinstance(p, dict) and t and r.random() < 0.5:
                p[r.choice(list(t))] = None
        return {"target": self.text_arg(t, 0.06), "patch": self.text_arg(p, 0.06)}

    # ---- one scenario: one input of every operation

    def scenario(self, i: int) -> List[Dict[str, Any]]:
        r = self.rng
        b = self.baton()
        b_arg = self.text_arg(b)
        jobs: List[Dict[str, Any]] = []

        def add(op: str, **kw: Any) -> None:
            jobs.append(dict(id=f"g{i:04d}/{op}", op=op, **kw))

        add("validate", **{"in": {"document": b_arg}, "budget": self.budget()})
        add("to_json", **{"in": {"baton": b_arg}})
        add("render", **{"in": {"baton": b_arg}, "options": self.render_options()})
        add("prompt", **{"in": {"baton": b_arg}, "stage": self.stage()})
        add("verify", **{"in": {"baton": self.text_arg(self.chain(), 0.05) if r.random() < 0.75 else b_arg}})
        base = {k: v for k, v in b.items() if k != "history"} if isinstance(b, dict) else {}
        patch = self.patch(valid=r.random() < 0.6, current=base)
        p_arg = self.text_arg(patch) if r.random() < 0.93 else arg(
            text=r.choice(["[]", '"str"', "5", "null", "true", "{}", '{"goal":"a","goal":"b"}']))
        add("apply_patch", **{"in": {"baton": b_arg, "patch": p_arg}, "stage": self.stage(), "at": self.at()})
        fields = self.fields()
        if r.random() < 0.3:
            self.corrupt_doc(fields)
        add("create", **{"in": {"fields": self.text_arg(fields)}, "stage": self.stage(), "at": self.at()})
        add("diff", **{"in": self.diff_pair()})
        add("merge_patch", **{"in": self.merge_pair()})
        add("extract_patch", reply=self.reply())
        t = self.text(0, 40)
        if r.random() < 0.02:
            t += "\udfff"
        add("estimate_tokens", text=t)
        return [finish(j) for j in jobs]


def generated_jobs(seed: int, count: int) -> List[Dict[str, Any]]:
    gen = Generator(seed)
    jobs: List[Dict[str, Any]] = []
    for i in range(count):
        jobs.extend(gen.scenario(i))
    return jobs
