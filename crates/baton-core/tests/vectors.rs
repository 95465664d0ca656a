//! Runs every shared vector in `tests/vectors/*.json` (format: tests/vectors/README.md).
//! The npm and Python packages run the same files with their own runners.

use std::path::PathBuf;

use baton_core::{
    apply_patch, create, diff, estimate_tokens, extract_patch, merge_patch, normalize_f64,
    parse_json, prompt, render_markdown, validate_with_budget, verify, Baton, Error, Issue,
    RenderOptions, Value, DEFAULT_BUDGET,
};

/// Numbers as SPEC §1 reads them (`1.0` is `1`), as `parse_json` would give them.
fn normalize(value: Value) -> Value {
    match value {
        Value::Number(n) => n
            .as_f64()
            .and_then(normalize_f64)
            .unwrap_or(Value::Number(n)),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .map(|(k, v)| (k, normalize(v)))
                .collect(),
        ),
        other => other,
    }
}

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

/// An input value: `name`, or `name_text` parsed as JSON text.
fn input(case: &Value, name: &str) -> Result<Result<Value, Error>, String> {
    let inputs = &case["input"];
    if let Some(v) = inputs.get(name) {
        return Ok(Ok(v.clone()));
    }
    match inputs.get(format!("{name}_text")) {
        Some(Value::String(text)) => Ok(parse_json(text)),
        _ => Err(format!("input `{name}` missing")),
    }
}

fn baton(case: &Value, name: &str) -> Result<Result<Baton, Error>, String> {
    Ok(input(case, name)?.and_then(|v| Baton::from_value(&v)))
}

fn str_input<'a>(case: &'a Value, name: &str) -> Result<&'a str, String> {
    case["input"][name]
        .as_str()
        .ok_or_else(|| format!("input `{name}` must be a string"))
}

fn issues_match(expected: &Value, actual: &[Issue]) -> Result<(), String> {
    let expected = expected
        .as_array()
        .ok_or("expected issues must be an array")?;
    let show = |issues: &[Issue]| {
        issues
            .iter()
            .map(|i| format!("{} {:?} ({})", i.code, i.path, i.message))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let same = expected.len() == actual.len()
        && expected.iter().zip(actual).all(|(e, a)| {
            e["code"].as_str() == Some(a.code.as_str())
                && e["path"].as_str() == Some(a.path.as_str())
                && e.get("message")
                    .is_none_or(|m| m.as_str() == Some(a.message.as_str()))
        });
    if same {
        Ok(())
    } else {
        Err(format!(
            "expected issues {}, got [{}]",
            serde_json::to_string(expected).unwrap(),
            show(actual)
        ))
    }
}

/// Compares a result with `expect`: `errors`, or the success key checked by `check`.
fn outcome<T>(
    expect: &Value,
    result: Result<T, Error>,
    key: &str,
    check: impl FnOnce(&Value, T) -> Result<(), String>,
) -> Result<(), String> {
    match (expect.get("errors"), expect.get(key), result) {
        (Some(errors), None, Err(e)) => issues_match(errors, e.issues()),
        (Some(_), None, Ok(_)) => Err("expected errors, the operation succeeded".into()),
        (None, Some(want), Ok(v)) => check(want, v),
        (None, Some(_), Err(e)) => Err(format!("expected success, got error: {e:?}")),
        _ => Err(format!(
            "`expect` must have exactly one of `errors`, `{key}`"
        )),
    }
}

fn equal_json(want: &Value, got: &Value) -> Result<(), String> {
    if want == got {
        Ok(())
    } else {
        Err(format!("expected {want}\n     got {got}"))
    }
}

fn equal_str(want: &Value, got: &str) -> Result<(), String> {
    if want.as_str() == Some(got) {
        Ok(())
    } else {
        Err(format!("expected {want}\n     got {}", Value::from(got)))
    }
}

fn run_case(case: &Value) -> Result<(), String> {
    let op = case["op"].as_str().ok_or("case without `op`")?;
    let expect = &case["expect"];
    match op {
        "validate" => {
            let budget = case["input"]
                .get("budget")
                .map(|b| b.as_u64().ok_or("budget must be an integer"))
                .transpose()?
                .map_or(DEFAULT_BUDGET, |b| b as usize);
            let report = match input(case, "document")? {
                Ok(doc) => validate_with_budget(&doc, budget),
                Err(e) => baton_core::Report {
                    errors: e.into_issues(),
                    warnings: vec![],
                },
            };
            let valid = expect["valid"].as_bool().ok_or("expect.valid missing")?;
            if valid != report.is_valid() {
                return Err(format!(
                    "expected valid={valid}, errors: {:?}",
                    report.errors
                ));
            }
            issues_match(&expect["errors"], &report.errors)?;
            issues_match(&expect["warnings"], &report.warnings)
        }
        "apply_patch" => {
            let stage = str_input(case, "stage")?;
            let at = case["input"]["at"].as_str();
            let result = baton(case, "baton")?.and_then(|b| {
                let patch = input(case, "patch")
                    .map_err(|e| Error::single(baton_core::Code::Type, "", e))??;
                apply_patch(&b, &patch, stage, at)
            });
            outcome(expect, result, "baton", |want, got| {
                equal_json(want, &got.to_value())
            })
        }
        "create" => {
            let stage = str_input(case, "stage")?;
            let at = case["input"]["at"].as_str();
            let result = input(case, "fields")?.and_then(|f| create(&f, stage, at));
            outcome(expect, result, "baton", |want, got| {
                equal_json(want, &got.to_value())
            })
        }
        "verify" => {
            let result = baton(case, "baton")?.and_then(|b| verify(&b));
            outcome(expect, result, "ok", |want, ()| {
                equal_json(want, &Value::Bool(true))
            })
        }
        "diff" => {
            let old = baton(case, "old")?;
            let new = baton(case, "new")?;
            let pair = old.and_then(|o| new.map(|n| (o, n)));
            let result = pair.clone().and_then(|(o, n)| diff(&o, &n));
            outcome(expect, result, "patch", |want, got| {
                equal_json(want, &got)?;
                // SPEC §7: the diff applied to old gives new's fields.
                let (o, n) = pair.expect("diff succeeded");
                let applied = apply_patch(&o, &got, "diff", Some("2026-01-01T00:00:00Z"))
                    .map_err(|e| format!("diff does not apply: {e}"))?;
                if applied.same_fields(&n) {
                    Ok(())
                } else {
                    Err("diff applied to old does not give new's fields".into())
                }
            })
        }
        "merge_patch" => {
            let target = input(case, "target")?;
            let patch = input(case, "patch")?;
            let result = target.and_then(|t| patch.and_then(|p| merge_patch(&t, &p)));
            outcome(expect, result, "result", |want, got| equal_json(want, &got))
        }
        "render" => {
            let options = render_options(&case["input"]);
            let result =
                baton(case, "baton")?.and_then(|b| options.and_then(|o| render_markdown(&b, &o)));
            outcome(expect, result, "markdown", |want, got| {
                equal_str(want, &got)
            })
        }
        "estimate_tokens" => {
            let text = str_input(case, "text")?;
            equal_json(&expect["tokens"], &Value::from(estimate_tokens(text)))
        }
        "to_json" => {
            let result = baton(case, "baton")?;
            outcome(expect, result, "compact", |want, got| {
                equal_str(want, &got.to_json())?;
                match expect.get("pretty") {
                    Some(pretty) => equal_str(pretty, &got.to_json_pretty()),
                    None => Ok(()),
                }
            })
        }
        "prompt" => {
            let stage = str_input(case, "stage")?;
            let result = baton(case, "baton")?.and_then(|b| prompt(&b, stage));
            outcome(expect, result, "text", |want, got| equal_str(want, &got))
        }
        "extract_patch" => {
            let reply = str_input(case, "reply")?;
            outcome(expect, extract_patch(reply), "patch", |want, got| {
                equal_json(want, &got)
            })
        }
        other => Err(format!("unknown op `{other}`")),
    }
}

fn render_options(inputs: &Value) -> Result<RenderOptions, Error> {
    match inputs.get("options") {
        None => Ok(RenderOptions::default()),
        Some(o) => RenderOptions::from_value(o),
    }
}

#[test]
fn every_shared_vector_passes() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("tests/vectors exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut total = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        // serde_json, not `parse_json`: a vector file legitimately nests a 100-deep
        // value a few levels below its top, past the limit a baton may have.
        let suite: Value = serde_json::from_str(&text)
            .map(normalize)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = file.file_name().unwrap().to_string_lossy();
        for case in suite["cases"].as_array().expect("cases array") {
            total += 1;
            let case_name = case["name"].as_str().unwrap_or("?");
            if let Err(why) = run_case(case) {
                failures.push(format!("{name} / {case_name}: {why}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total >= 150, "only {total} vectors found");
    eprintln!("{total} vectors passed in {} files", files.len());
}
