//! Property tests for the invariants users rely on (issue 2, item 6).

use std::collections::BTreeMap;

use baton_core::{
    apply_patch, create, diff, estimate_tokens, is_blank, render_markdown, validate_with_budget,
    verify, Baton, Code, RenderOptions, Value, LIST_FIELDS,
};
use proptest::prelude::*;
use serde_json::{json, Map};

const AT: &str = "2026-11-25T10:00:00Z";

/// Entry text with the characters that make rendering and comparison hard.
fn entry() -> impl Strategy<Value = String> {
    "[a-c#>*0-9.)| \\-\n\r\t\u{2028}\u{200B}é🎉`<]{1,10}".prop_filter("not blank", |s| !is_blank(s))
}

fn list() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(entry(), 0..6)
}

/// Extension values: JSON without nulls inside objects (diff can express those).
fn ext_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::from),
        (-1000i64..1000).prop_map(Value::from),
        "[a-z]{0,4}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map("[a-c]", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn fields() -> impl Strategy<Value = Value> {
    (
        entry(),
        prop::collection::vec(list(), 7),
        prop::collection::btree_map("x-[a-c]", ext_value(), 0..3),
    )
        .prop_map(|(goal, lists, ext)| {
            let mut m = Map::new();
            m.insert("goal".into(), goal.into());
            for (f, l) in LIST_FIELDS.iter().zip(lists) {
                m.insert(f.name().into(), l.into());
            }
            m.extend(ext);
            Value::Object(m)
        })
}

/// A valid patch touching a random subset of fields in every allowed form.
fn patch() -> impl Strategy<Value = Value> {
    let list_change = prop_oneof![
        list().prop_map(Value::from),
        Just(Value::Null),
        (list(), list()).prop_map(|(a, r)| json!({"add": a, "remove": r})),
        list().prop_map(|a| json!({"add": a})),
    ];
    (
        prop::option::of(entry()),
        prop::collection::btree_map(0usize..7, list_change, 0..4),
        prop::option::of(list()),
        prop::collection::btree_map("x-[a-c]", prop::option::of(ext_value()), 0..2),
    )
        .prop_map(|(goal, lists, decisions, ext)| {
            let mut m = Map::new();
            if let Some(g) = goal {
                m.insert("goal".into(), g.into());
            }
            for (i, change) in lists {
                if LIST_FIELDS[i].name() != "decision_log" {
                    m.insert(LIST_FIELDS[i].name().into(), change);
                }
            }
            if let Some(d) = decisions {
                m.insert("decision_log".into(), json!({ "add": d }));
            }
            for (k, v) in ext {
                m.insert(k, v.unwrap_or(Value::Null));
            }
            Value::Object(m)
        })
}

fn baton() -> impl Strategy<Value = Baton> {
    fields().prop_map(|f| create(&f, "init", Some(AT)).expect("generated fields are valid"))
}

proptest! {
    /// `validate` skips the rendering when a byte count already proves the baton
    /// fits, and stops counting once the count passes the budget; the warning must
    /// still be exactly "the rendering estimates above the budget", including at
    /// budgets one either side of the estimate.
    #[test]
    fn over_budget_warns_exactly_when_the_rendering_estimates_above_the_budget(
        b in baton(), budget in 0usize..200, near in -2i64..=2, at_estimate in any::<bool>()
    ) {
        let markdown = render_markdown(&b, &RenderOptions::default()).unwrap();
        let estimate = estimate_tokens(&markdown);
        let budget = if at_estimate {
            usize::try_from(estimate as i64 + near).unwrap_or(0)
        } else {
            budget
        };
        let over = estimate > budget;
        let report = validate_with_budget(&b.to_value(), budget);
        let warned = report.warnings.iter().any(|w| w.code == Code::OverBudget);
        prop_assert_eq!(warned, over, "estimate {} budget {}", estimate_tokens(&markdown), budget);
    }

    #[test]
    fn a_failing_patch_changes_nothing_and_reports_only_its_errors(
        b in baton(), p in patch(), bad in prop_oneof![
            Just(("constraints", json!({"add": [""]}))),
            Just(("decision_log", Value::Null)),
            Just(("history", json!([]))),
            Just(("goal", json!(7))),
            Just(("open_questions", json!({"replace": []}))),
        ]
    ) {
        let before = b.clone();
        let mut with_bad = p.as_object().unwrap().clone();
        with_bad.insert(bad.0.into(), bad.1);
        let err = apply_patch(&b, &Value::Object(with_bad), "s", Some(AT)).unwrap_err();
        let prefix = format!("/{}", bad.0);
        prop_assert!(err.issues().iter().all(|i| i.path.starts_with(&prefix)), "{:?}", err);
        prop_assert_eq!(&b, &before);
        // The same patch without the bad member applies.
        let mut good = p.as_object().unwrap().clone();
        good.remove(bad.0);
        prop_assert!(apply_patch(&b, &Value::Object(good), "s", Some(AT)).is_ok());
    }

    #[test]
    fn the_same_patch_twice_leaves_decisions_as_after_once(b in baton(), p in patch()) {
        let once = apply_patch(&b, &p, "s", Some(AT)).unwrap();
        let twice = apply_patch(&once, &p, "s", Some(AT)).unwrap();
        prop_assert_eq!(&once.decision_log, &twice.decision_log);
        prop_assert_eq!(twice.history.len(), once.history.len() + 1);
    }

    #[test]
    fn every_chain_of_create_and_apply_patch_verifies(
        b in baton(), patches in prop::collection::vec(patch(), 0..6)
    ) {
        let mut current = b;
        for p in &patches {
            current = apply_patch(&current, p, "stage", Some(AT)).unwrap();
        }
        prop_assert!(verify(&current).is_ok());
        prop_assert_eq!(current.history.len(), patches.len() + 1);
    }

    #[test]
    fn a_tampered_field_fails_verification(b in baton(), p in patch(), extra in entry()) {
        let mut current = apply_patch(&b, &p, "stage", Some(AT)).unwrap();
        current.constraints.push(format!("{extra} (tampered)"));
        let err = verify(&current).unwrap_err();
        prop_assert_eq!(err.issues()[0].code, Code::HistoryMismatch);
        prop_assert_eq!(&err.issues()[0].path, "/constraints");
    }

    #[test]
    fn applying_a_diff_gives_the_new_fields(
        a in baton(), target in fields(), more in list()
    ) {
        // `b` keeps a's decisions and appends new distinct ones, as diff requires.
        let mut b = Baton::from_value(&target).unwrap();
        let mut decisions = a.decision_log.clone();
        for d in more {
            if !decisions.contains(&d) {
                decisions.push(d);
            }
        }
        b.decision_log = decisions;
        let p = diff(&a, &b).unwrap();
        let applied = apply_patch(&a, &p, "diff", Some(AT)).unwrap();
        prop_assert!(applied.same_fields(&b), "patch {}", p);
    }

    #[test]
    fn canonical_json_round_trips(b in baton(), p in patch()) {
        let b = apply_patch(&b, &p, "s", Some(AT)).unwrap();
        let text = b.to_json();
        let back = Baton::from_json(&text).unwrap();
        prop_assert_eq!(&back, &b);
        prop_assert_eq!(back.to_json(), text);
        prop_assert_eq!(Baton::from_json(&b.to_json_pretty()).unwrap(), b);
    }

    #[test]
    fn no_rendered_entry_starts_a_line_of_its_own(b in baton()) {
        let md = render_markdown(&b, &RenderOptions { history: true, extensions: true, ..Default::default() }).unwrap();
        let headings: BTreeMap<&str, ()> = [
            "# Baton", "## Goal", "## Current state", "## Decisions (append-only)", "## Constraints",
            "## Open questions", "## Work scope", "## Artifacts", "## Acceptance", "## Extensions", "## History",
        ].into_iter().map(|h| (h, ())).collect();
        let lines: Vec<&str> = md.split_terminator('\n').collect();
        let bullets = lines.iter().filter(|l| l.starts_with("- ")).count();
        let entries: usize = LIST_FIELDS.iter().map(|f| b.list(*f).len()).sum::<usize>()
            + b.extensions.len() + b.history.len();
        prop_assert_eq!(bullets, entries);
        for (i, line) in lines.iter().enumerate() {
            let structural = headings.contains_key(line) || line.is_empty() || *line == "(none)" || line.starts_with("- ");
            // Line 3 is the goal, the only non-bullet entry line.
            prop_assert!(structural || i == 3, "line {} is not structure: {:?}", i, line);
            if let Some(rest) = line.strip_prefix("- ") {
                let first = rest.chars().next();
                prop_assert!(!matches!(first, Some('#' | '>' | '-' | '+' | '*' | '`' | '<' | ' ')), "{:?}", line);
            }
        }
    }

    #[test]
    fn a_budget_is_never_exceeded(b in baton(), max in 0usize..200) {
        let options = RenderOptions { max_tokens: Some(max), ..Default::default() };
        match render_markdown(&b, &options) {
            Ok(md) => prop_assert!(baton_core::estimate_tokens(&md) <= max),
            Err(e) => prop_assert_eq!(e.issues()[0].code, Code::OverBudget),
        }
    }
}
