"""Runs one of our calls n times and nothing else, for callgrind (see callgrind.sh).

    python benchmarks/python/calls.py <op> <seed|1k|tiny> <n>

The documents and the patch are bench.py's. Instruction counts are repeatable
where timings on a shared machine are not: callgrind.sh runs this twice (n
calls and none) and prints the difference per call.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baton  # noqa: E402
from bench import AT, DOCS, PATCH, STAGE  # noqa: E402

OPS = {
    "validate": lambda d, t: (lambda: baton.validate(d)),
    "validate-text": lambda d, t: (lambda: baton.validate(t)),
    "validate-nobudget": lambda d, t: (lambda: baton.validate(d, budget=10**9)),
    "apply_patch": lambda d, t: (lambda: baton.apply_patch(d, PATCH, stage=STAGE, at=AT)),
    "apply_patch-json": lambda d, t: (lambda: baton.apply_patch(d, PATCH, stage=STAGE, at=AT, json=True)),
    "render": lambda d, t: (lambda: baton.render(d)),
    "to_value": lambda d, t: (lambda: baton.merge_patch(d, 1, json=True)),
}


def main() -> None:
    if len(sys.argv) != 4 or sys.argv[1] not in OPS or sys.argv[2] not in ("seed", "1k", "tiny"):
        raise SystemExit(f"usage: calls.py <{'|'.join(OPS)}> <seed|1k|tiny> <n>")
    op, which, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    doc = {"goal": "x"} if which == "tiny" else DOCS[0 if which == "seed" else 1].obj
    call = OPS[op](doc, json.dumps(doc))
    call()  # one-time work (the schema validator, interned names) in both runs
    for _ in range(n):
        call()


if __name__ == "__main__":
    main()
