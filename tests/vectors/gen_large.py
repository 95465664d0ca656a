#!/usr/bin/env python3
"""Generate tests/vectors/large.json.

The expected values are computed here from the rules of SPEC.md (sections 3, 5, 6,
7, 8, 10 and 11), independently of the implementation: nothing in this script calls
or imports baton code. Standard library only. Run:

    python3 tests/vectors/gen_large.py

The output is deterministic (no clock, no randomness).
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "large.json")

LISTS = ["current_state", "decision_log", "constraints", "open_questions",
         "work_scope", "artifacts", "acceptance"]
HEADINGS = {"current_state": "Current state", "decision_log": "Decisions (append-only)",
            "constraints": "Constraints", "open_questions": "Open questions",
            "work_scope": "Work scope", "artifacts": "Artifacts", "acceptance": "Acceptance"}

# Unicode White_Space property (PropList.txt) and the zero-width characters of SPEC section 1.
WHITE_SPACE = set([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029,
                   0x202F, 0x205F, 0x3000] + list(range(0x2000, 0x200B)))
ZERO_WIDTH = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF}


# ---------------------------------------------------------------- section 1
def is_blank(s):
    return all(ord(c) in WHITE_SPACE or ord(c) in ZERO_WIDTH for c in s)


# ---------------------------------------------------------------- section 11
def is_ascii_alnum(c):
    return ("a" <= c <= "z") or ("A" <= c <= "Z") or ("0" <= c <= "9")


def estimate_tokens(text):
    total = 0
    run = 0
    for c in text:
        if is_ascii_alnum(c):
            run += 1
            continue
        if run:
            total += (run + 3) // 4
            run = 0
        o = ord(c)
        if o > 0x7F:
            total += 1          # each non-ASCII scalar value
        elif 0x21 <= o <= 0x7E:
            total += 1          # printable ASCII punctuation / symbol
        # U+0000-U+0020 and U+007F count 0
    if run:
        total += (run + 3) // 4
    return total


# ---------------------------------------------------------------- section 10
ESCAPE_FIRST = set("#>-+*=|`~<_[!\\")


def make_safe(text):
    # 1. CR LF pairs, C0, DEL, C1, U+2028, U+2029 -> one space each
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\r" and i + 1 < len(text) and text[i + 1] == "\n":
            out.append(" ")
            i += 2
            continue
        o = ord(c)
        if o <= 0x1F or 0x7F <= o <= 0x9F or o in (0x2028, 0x2029):
            out.append(" ")
        else:
            out.append(c)
        i += 1
    s = "".join(out)
    # 2. trim White_Space
    a, b = 0, len(s)
    while a < b and ord(s[a]) in WHITE_SPACE:
        a += 1
    while b > a and ord(s[b - 1]) in WHITE_SPACE:
        b -= 1
    s = s[a:b]
    # 3. block-start escapes
    if s and s[0] in ESCAPE_FIRST:
        return "\\" + s
    j = 0
    while j < len(s) and "0" <= s[j] <= "9":
        j += 1
    if j > 0 and j < len(s) and s[j] in ".)":
        return s[:j] + "\\" + s[j:]
    return s


def note_line(k):
    return "_1 earlier decision left out_" if k == 1 else "_%d earlier decisions left out_" % k


def sections(baton, decisions_left_out, history, extensions):
    """List of sections, each a list of lines (SPEC section 10)."""
    secs = [["# Baton"], ["## Goal", make_safe(baton["goal"])]]
    for f in LISTS:
        entries = list(baton.get(f) or [])
        lines = ["## " + HEADINGS[f]]
        if f == "decision_log" and decisions_left_out:
            lines.append(note_line(decisions_left_out))
            entries = entries[decisions_left_out:]
        elif not entries:
            lines.append("(none)")
        lines.extend("- " + make_safe(e) for e in entries)
        secs.append(lines)
    if extensions:
        raise NotImplementedError("not used by the large cases")
    if history:
        raise NotImplementedError("not used by the large cases")
    return secs


def join(secs):
    return "\n\n".join("\n".join(lines) for lines in secs) + "\n"


def render(baton, max_tokens=None):
    """Returns ("markdown", text, left_out) or ("over_budget", minimum, None).

    Uses that the estimate is additive over text split at whitespace: the estimate of
    the rendering is the sum of the estimates of its lines."""
    full = join(sections(baton, 0, False, False))
    if max_tokens is None:
        return ("markdown", full, 0)
    full_cost = estimate_tokens(full)
    if full_cost <= max_tokens:
        return ("markdown", full, 0)
    decisions = list(baton.get("decision_log") or [])
    line_costs = [estimate_tokens("- " + make_safe(d)) for d in decisions]
    # cost(K) = full_cost - sum(line_costs[:K]) + estimate(note_line(K)), for 1 <= K < n
    removed = 0
    for k in range(1, len(decisions)):
        removed += line_costs[k - 1]
        cost = full_cost - removed + estimate_tokens(note_line(k))
        if cost <= max_tokens:
            text = join(sections(baton, k, False, False))
            assert estimate_tokens(text) == cost
            return ("markdown", text, k)
    # K = n (every decision left out) is never the answer in these vectors: the
    # generator picks budgets that avoid it (see SPEC ambiguity about "(none)").
    all_out = full_cost - sum(line_costs) + estimate_tokens(note_line(len(decisions)))
    assert all_out > max_tokens
    return ("over_budget", all_out, None)


# ---------------------------------------------------------------- section 4 / 3
def duplicate_warnings(doc):
    warns = []
    for f in LISTS:
        first = {}
        for i, e in enumerate(doc.get(f) or []):
            if e in first:
                warns.append({"code": "duplicate", "path": "/%s/%d" % (f, i),
                              "message": "duplicate of `/%s/%d`" % (f, first[e])})
            else:
                first[e] = i
    # sorted by path: list-field order, then numeric index
    warns.sort(key=lambda w: (LISTS.index(w["path"].split("/")[1]), int(w["path"].split("/")[2])))
    return warns


# ---------------------------------------------------------------- section 5
def list_edit(current, value):
    if value is None:
        return []
    if isinstance(value, list):
        return list(value)
    removes = set(value.get("remove", []))
    out = [e for e in current if e not in removes]
    present = set(out)
    for e in value.get("add", []):
        if e not in present:
            out.append(e)
            present.add(e)
    return out


def decision_append(current, value):
    adds = value if isinstance(value, list) else value.get("add", [])
    out = list(current)
    present = set(out)
    for e in adds:
        if e not in present:
            out.append(e)
            present.add(e)
    return out


def fields_of(b):
    d = {"goal": b["goal"]}
    for f in LISTS:
        d[f] = list(b.get(f) or [])
    for k in sorted(k for k in b if k.startswith("x-")):
        d[k] = b[k]
    return d


def canonical(fields, history):
    d = {"version": 1}
    d.update(fields)
    d["history"] = history
    return d


def apply_patch(baton, patch, stage, at):
    history = list(baton.get("history") or [])
    fields = fields_of(baton)
    if not history:
        history.append({"stage": stage, "at": at, "patch": fields_of(baton)})
    new = dict(fields)
    for k, v in patch.items():
        if k == "goal":
            new["goal"] = v
        elif k == "decision_log":
            new[k] = decision_append(new[k], v)
        elif k in LISTS:
            new[k] = list_edit(new[k], v)
        else:
            raise NotImplementedError(k)
    history.append({"stage": stage, "at": at, "patch": patch})
    return canonical(new, history)


# ---------------------------------------------------------------- section 7
def diff_list(old, new):
    if old == new:
        return None
    if not new:
        return []
    new_set, old_set = set(new), set(old)
    removes = []
    for e in old:
        if e not in new_set and e not in removes:
            removes.append(e)
    adds = [e for e in new if e not in old_set]
    edit = {}
    if adds:
        edit["add"] = adds
    if removes:
        edit["remove"] = removes
    if list_edit(old, edit) == new and len(adds) + len(removes) < len(new):
        return edit
    return list(new)


# ---------------------------------------------------------------- section 8
def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


# ---------------------------------------------------------------- data
AT = "2026-06-01T12:00:00.000Z"


def decision(i):
    # every 100th decision tries to forge a heading; every 7th has a non-ASCII word
    if i % 100 == 42:
        return "# decision %d: use approach %d\n## injected" % (i, i % 13)
    if i % 7 == 3:
        return "decision %d: caf\u00e9 rule for module_%d" % (i, i % 31)
    return "decision %d: use approach %d for component %d" % (i, i % 13, i % 97)


def constraint(i):
    return "constraint %d: keep latency under %d ms" % (i, 10 + i % 50)


def big_baton():
    return {
        "goal": "Migrate the billing service to the new ledger",
        "current_state": ["ledger schema drafted", "dual writes enabled"],
        "decision_log": [decision(i) for i in range(2000)],
        "constraints": [constraint(i) for i in range(1000)],
        "open_questions": ["how do we backfill 2019 invoices?"],
        "work_scope": ["services/billing", "services/ledger"],
        "artifacts": [],
        "acceptance": ["reconciliation report shows zero drift"],
    }


def case(name, op, inp, expect):
    return {"name": name, "op": op, "input": inp, "expect": expect}


def cases():
    out = []
    big = big_baton()

    # ---- validate ----
    out.append(case("validate-2000-decisions-1000-constraints-valid", "validate",
                    {"document": big, "budget": 1000000000},
                    {"valid": True, "errors": [], "warnings": []}))

    dup = dict(big)
    dup["constraints"] = [constraint(i - 9 if i % 10 == 9 else i) for i in range(1000)]
    dup["decision_log"] = [decision(i - 499 if i % 500 == 499 else i) for i in range(2000)]
    warns = duplicate_warnings(dup)
    assert len(warns) == 100 + 4
    est = estimate_tokens(render(dup)[1])
    assert est > 1000
    out.append(case("validate-duplicates-in-large-lists-sorted-numerically", "validate", {"document": dup},
                    {"valid": True, "errors": [],
                     "warnings": [{"code": "over_budget", "path": ""}] + warns}))

    bad = dict(big)
    bad["constraints"] = [(" " if i % 97 == 5 else constraint(i)) for i in range(1000)]
    errs = [{"code": "empty", "path": "/constraints/%d" % i} for i in range(1000) if i % 97 == 5]
    out.append(case("validate-blank-entries-in-large-list-sorted-numerically", "validate", {"document": bad},
                    {"valid": False, "errors": errs, "warnings": []}))

    # ---- apply_patch: large list edit ----
    base = {"goal": "Tidy constraints", "constraints": ["c%04d" % i for i in range(1000)]}
    removes = ["c%04d" % i for i in range(0, 1000, 2)] + ["absent%d" % i for i in range(20)]
    adds = (["n%04d" % i for i in range(500)] + ["c%04d" % i for i in range(1, 200, 2)]
            + ["n%04d" % i for i in range(0, 500, 5)] + ["c0000"])
    patch = {"constraints": {"add": adds, "remove": removes}}
    res = apply_patch(base, patch, "tidy", AT)
    assert len(res["constraints"]) == 500 + 500 + 1
    out.append(case("patch-large-list-add-and-remove", "apply_patch",
                    {"baton": base, "patch": patch, "stage": "tidy", "at": AT}, {"baton": res}))

    replace = {"work_scope": ["w%05d" % i for i in range(3000)], "open_questions": None}
    rbase = {"goal": big["goal"], "work_scope": ["old"], "open_questions": ["q"],
             "history": [{"stage": "s", "at": AT, "patch": {"goal": big["goal"]}}]}
    out.append(case("patch-large-list-replacement", "apply_patch",
                    {"baton": rbase, "patch": replace, "stage": "scope", "at": AT},
                    {"baton": apply_patch(rbase, replace, "scope", AT)}))

    # ---- apply_patch: 10,000-entry decision_log append ----
    dbase = {"goal": "Record decisions", "decision_log": ["d%05d" % i for i in range(2000)]}
    add10k = []
    for i in range(10000):
        if i % 100 == 99:
            add10k.append("d%05d" % (1000 + i - 50))      # repeated earlier in this add
        else:
            add10k.append("d%05d" % (1000 + i))           # first 1000 already present
    assert len(add10k) == 10000
    dpatch = {"decision_log": {"add": add10k}}
    dres = apply_patch(dbase, dpatch, "decide", AT)
    out.append(case("patch-decision-log-append-10000", "apply_patch",
                    {"baton": dbase, "patch": dpatch, "stage": "decide", "at": AT}, {"baton": dres}))
    # 1,000 already present, 90 repeated within the add, 8,910 new
    assert len(dres["decision_log"]) == 2000 + 8910

    # ---- render ----
    kind, full_md, _ = render(big)
    full_cost = estimate_tokens(full_md)
    out.append(case("render-large-full-fits-exactly", "render",
                    {"baton": big, "options": {"max_tokens": full_cost}}, {"markdown": full_md}))
    kind, md1, k1 = render(big, full_cost - 1)
    assert kind == "markdown" and k1 >= 1
    out.append(case("render-large-one-below-full", "render",
                    {"baton": big, "options": {"max_tokens": full_cost - 1}}, {"markdown": md1}))
    # a budget that forces leaving out about 1500 decisions: the estimate with 1500 left out
    target = estimate_tokens(join(sections(big, 1500, False, False)))
    kind, md1500, k = render(big, target)
    assert kind == "markdown" and k == 1500, k
    out.append(case("render-large-leaves-out-1500-decisions", "render",
                    {"baton": big, "options": {"max_tokens": target}}, {"markdown": md1500}))
    kind, md1500b, k = render(big, target + 3)
    assert kind == "markdown"
    out.append(case("render-large-leaves-out-fewest-that-fit", "render",
                    {"baton": big, "options": {"max_tokens": target + 3}}, {"markdown": md1500b}))
    # keep exactly one decision
    one_left = estimate_tokens(join(sections(big, 1999, False, False)))
    kind, md1999, k = render(big, one_left)
    assert k == 1999
    out.append(case("render-large-keeps-only-newest-decision", "render",
                    {"baton": big, "options": {"max_tokens": one_left}}, {"markdown": md1999}))
    kind, minimum, _ = render(big, one_left - estimate_tokens("- " + make_safe(big["decision_log"][-1])) - 1)
    assert kind == "over_budget"
    out.append(case("render-large-over-budget", "render",
                    {"baton": big, "options": {"max_tokens": minimum - 1}},
                    {"errors": [{"code": "over_budget", "path": ""}]}))

    # ---- diff ----
    old = {"goal": "g", "constraints": ["k%04d" % i for i in range(1000)],
           "decision_log": ["d%04d" % i for i in range(500)]}
    new = {"goal": "g",
           "constraints": [e for i, e in enumerate(old["constraints"]) if i % 100 != 17] + ["new%d" % i for i in range(5)],
           "decision_log": old["decision_log"] + ["e%04d" % i for i in range(100)]}
    p = {}
    for f in LISTS:
        if f == "decision_log":
            continue
        d = diff_list(old.get(f, []), new.get(f, []))
        if d is not None:
            p[f] = d
    p["decision_log"] = {"add": new["decision_log"][500:]}
    assert isinstance(p["constraints"], dict) and len(p["constraints"]["remove"]) == 10
    out.append(case("diff-large-lists", "diff", {"old": old, "new": new}, {"patch": p}))
    rev = {"goal": "g", "constraints": list(reversed(old["constraints"]))}
    out.append(case("diff-large-reordered-list-is-whole-array", "diff",
                    {"old": {"goal": "g", "constraints": old["constraints"]}, "new": rev},
                    {"patch": {"constraints": diff_list(old["constraints"], rev["constraints"])}}))

    # ---- merge patch ----
    tgt = {"k%05d" % i: {"v": i, "tags": ["t%d" % (i % 3)]} for i in range(1500)}
    mp = {}
    for i in range(0, 1500, 3):
        mp["k%05d" % i] = None
    for i in range(1, 1500, 3):
        mp["k%05d" % i] = {"v": None, "w": i}
    for i in range(1500, 1750):
        mp["k%05d" % i] = i
    out.append(case("merge-patch-large-object", "merge_patch", {"target": tgt, "patch": mp},
                    {"result": merge_patch(tgt, mp)}))

    # ---- tokens ----
    words = []
    for i in range(10000):
        w = ["alpha", "be", "gamma_ray", "x1", "\u00e9t\u00e9", "a.b", "longword" * 3, "\U0001F680", "--", "Z"][i % 10]
        words.append(w)
    text = " ".join(words) + "\n"
    out.append(case("tokens-large-text", "estimate_tokens", {"text": text}, {"tokens": estimate_tokens(text)}))

    # ---- extract ----
    out.append(case("extract-50000-open-braces-is-no-patch", "extract_patch", {"reply": "{" * 50000},
                    {"errors": [{"code": "no_patch", "path": ""}]}))
    prose = ("All good here, nothing to see. " * 3000) + '{"goal": "found"}'
    out.append(case("extract-object-after-long-prose", "extract_patch", {"reply": prose},
                    {"patch": {"goal": "found"}}))
    return out


def main():
    cs = cases()
    names = [c["name"] for c in cs]
    assert len(names) == len(set(names))
    parts = []
    for c in cs:
        lines = ['    {"name": %s, "op": %s,' % (json.dumps(c["name"]), json.dumps(c["op"])),
                 '     "input": %s,' % json.dumps(c["input"], ensure_ascii=True, separators=(",", ":")),
                 '     "expect": %s}' % json.dumps(c["expect"], ensure_ascii=True, separators=(",", ":"))]
        parts.append("\n".join(lines))
    text = ('{\n  "description": "large lists: 2,000 decisions, 1,000 constraints, a 10,000-entry decision_log '
            'append, budgets that leave out decisions; generated by gen_large.py from the spec rules",\n'
            '  "cases": [\n' + ",\n".join(parts) + "\n  ]\n}\n")
    assert json.loads(text)["cases"] == cs
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %s: %d cases, %d bytes" % (OUT, len(cs), len(text.encode("utf-8"))))


if __name__ == "__main__":
    main()
