//! The pyo3 layer under the Python package `baton-handoff` (import name `baton`).
//!
//! Conversion and error mapping only: Python values become JSON values
//! (`convert`), the core does the work with the GIL released, and results go
//! back as JSON text that `baton/__init__.py` loads (`json.loads` keeps the
//! canonical member order, which a `serde_json::Map` would not). Failures raise
//! `baton.BatonError` carrying the core's `{code, path, message}` issues.

mod convert;

use baton_core::{Baton, Code, Error, Issue, RenderOptions, SchemaKind, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString};

/// A plain string argument (`stage`, `at`, a reply, a text): `TypeError` when it
/// is not a `str`, `invalid_json` when it holds a lone surrogate (SPEC §1).
fn text<'a>(
    py: Python<'_>,
    obj: &'a Bound<'_, PyAny>,
    name: &str,
) -> PyResult<std::borrow::Cow<'a, str>> {
    let s = obj.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!(
            "`{name}` must be a str, not {}",
            convert::type_name(obj)
        ))
    })?;
    s.to_cow().map_err(|_| {
        baton_error(
            py,
            &[Issue::new(
                Code::InvalidJson,
                "",
                format!("`{name}` holds a lone surrogate (not Unicode text)"),
            )],
        )
    })
}

/// Inputs larger than this many bytes of JSON are worked on with the GIL released;
/// below it, releasing and re-taking the GIL costs more than the work.
const DETACH_ABOVE: usize = 64 * 1024;

/// `[{code, path, message}, ...]` as Python dicts, built directly (no JSON round trip).
fn issues_list<'py>(py: Python<'py>, issues: &[Issue]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for issue in issues {
        let item = PyDict::new(py);
        item.set_item("code", issue.code.as_str())?;
        item.set_item("path", &issue.path)?;
        item.set_item("message", &issue.message)?;
        list.append(item)?;
    }
    Ok(list)
}

/// Raises `baton.BatonError(errors)`.
fn baton_error(py: Python<'_>, issues: &[Issue]) -> PyErr {
    static CLASS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let raised = CLASS
        .get_or_try_init(py, || {
            py.import("baton._errors")
                .and_then(|m| m.getattr("BatonError"))
                .map(Bound::unbind)
        })
        .and_then(|class| class.bind(py).call1((issues_list(py, issues)?,)));
    match raised {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e,
    }
}

fn fail(py: Python<'_>) -> impl Fn(Error) -> PyErr + '_ {
    move |e| baton_error(py, e.issues())
}

/// A document argument: JSON text (`str`) or Python data.
fn value(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    convert::to_value(obj).map_err(fail(py))
}

fn baton(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Baton> {
    let v = value(py, obj)?;
    detach_if_large(py, &v, || Baton::from_value(&v)).map_err(fail(py))
}

/// Runs `work` without the GIL when the input is large enough to be worth it.
fn detach_if_large<T: Send>(py: Python<'_>, input: &Value, work: impl FnOnce() -> T + Send) -> T {
    if convert::rough_size(input) > DETACH_ABOVE {
        py.detach(work)
    } else {
        work()
    }
}

/// `validate(document, budget)`: the report `{valid, errors, warnings}`; never
/// raises on the document (a value that is not JSON is reported, not raised).
#[pyfunction]
fn validate<'py>(
    py: Python<'py>,
    document: &Bound<'py, PyAny>,
    budget: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let budget = convert::budget(budget)?.map_err(fail(py))?;
    let (errors, warnings) = match convert::to_value(document) {
        Ok(doc) => {
            let report =
                detach_if_large(py, &doc, || baton_core::validate_with_budget(&doc, budget));
            (report.errors, report.warnings)
        }
        Err(e) => (e.into_issues(), Vec::new()),
    };
    let report = PyDict::new(py);
    report.set_item("valid", errors.is_empty())?;
    report.set_item("errors", issues_list(py, &errors)?)?;
    report.set_item("warnings", issues_list(py, &warnings)?)?;
    Ok(report)
}

/// `apply_patch(baton, patch, stage, at)`: canonical JSON of the patched baton.
#[pyfunction]
#[pyo3(signature = (baton_in, patch, stage, at = None))]
fn apply_patch(
    py: Python<'_>,
    baton_in: &Bound<'_, PyAny>,
    patch: &Bound<'_, PyAny>,
    stage: &Bound<'_, PyAny>,
    at: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    // SPEC §4: the baton, then the arguments, then the patch.
    let b = baton(py, baton_in)?;
    let stage = text(py, stage, "stage")?;
    let at = at.map(|a| text(py, a, "at")).transpose()?;
    baton_core::check_arguments(&stage, at.as_deref()).map_err(fail(py))?;
    let p = value(py, patch)?;
    let size = b.decision_log.len() * 64;
    let work = || baton_core::apply_patch(&b, &p, &stage, at.as_deref()).map(|n| n.to_json());
    let out = if size > DETACH_ABOVE {
        py.detach(work)
    } else {
        work()
    };
    out.map_err(fail(py))
}

/// `create(fields, stage, at)`: canonical JSON of the new baton.
#[pyfunction]
#[pyo3(signature = (fields, stage, at = None))]
fn create(
    py: Python<'_>,
    fields: &Bound<'_, PyAny>,
    stage: &Bound<'_, PyAny>,
    at: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    // SPEC §6: the arguments before the fields.
    let stage = text(py, stage, "stage")?;
    let at = at.map(|a| text(py, a, "at")).transpose()?;
    baton_core::check_arguments(&stage, at.as_deref()).map_err(fail(py))?;
    let f = value(py, fields)?;
    detach_if_large(py, &f, || {
        baton_core::create(&f, &stage, at.as_deref()).map(|b| b.to_json())
    })
    .map_err(fail(py))
}

/// `verify(baton)`: `{ok, errors}`, the `history_mismatch` issues where replaying disagrees.
#[pyfunction]
fn verify<'py>(py: Python<'py>, baton_in: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let b = baton(py, baton_in)?;
    let errors = match baton_core::verify(&b) {
        Ok(()) => Vec::new(),
        Err(e) => e.into_issues(),
    };
    let report = PyDict::new(py);
    report.set_item("ok", errors.is_empty())?;
    report.set_item("errors", issues_list(py, &errors)?)?;
    Ok(report)
}

/// `diff(old, new)`: the baton patch as JSON.
#[pyfunction]
fn diff(py: Python<'_>, old: &Bound<'_, PyAny>, new: &Bound<'_, PyAny>) -> PyResult<String> {
    let (o, n) = (baton(py, old)?, baton(py, new)?);
    baton_core::diff(&o, &n)
        .map(|p| baton_core::patch_to_json(&p, false))
        .map_err(fail(py))
}

/// `merge_patch(target, patch)`: plain RFC 7396, the result as JSON.
#[pyfunction]
fn merge_patch(
    py: Python<'_>,
    target: &Bound<'_, PyAny>,
    patch: &Bound<'_, PyAny>,
) -> PyResult<String> {
    let (t, p) = (value(py, target)?, value(py, patch)?);
    baton_core::merge_patch(&t, &p)
        .map(|v| baton_core::to_json(&v, false))
        .map_err(fail(py))
}

/// `render_markdown(baton, options)`, the options in their wire form.
#[pyfunction]
#[pyo3(signature = (baton_in, options))]
fn render(
    py: Python<'_>,
    baton_in: &Bound<'_, PyAny>,
    options: &Bound<'_, PyAny>,
) -> PyResult<String> {
    let b = baton(py, baton_in)?;
    let options =
        value(py, options).and_then(|o| RenderOptions::from_value(&o).map_err(fail(py)))?;
    baton_core::render_markdown(&b, &options).map_err(fail(py))
}

/// `estimate_tokens(text)`.
#[pyfunction]
#[pyo3(name = "estimate_tokens")]
fn estimate_tokens_py(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<usize> {
    let text = self::text(py, text, "text")?;
    Ok(if text.len() > DETACH_ABOVE {
        py.detach(|| baton_core::estimate_tokens(&text))
    } else {
        baton_core::estimate_tokens(&text)
    })
}

/// Canonical JSON of a baton.
#[pyfunction]
#[pyo3(signature = (baton_in, pretty = false))]
fn to_json(py: Python<'_>, baton_in: &Bound<'_, PyAny>, pretty: bool) -> PyResult<String> {
    let b = baton(py, baton_in)?;
    Ok(if pretty {
        b.to_json_pretty()
    } else {
        b.to_json()
    })
}

/// `prompt(baton, stage)`.
#[pyfunction]
fn prompt(
    py: Python<'_>,
    baton_in: &Bound<'_, PyAny>,
    stage: &Bound<'_, PyAny>,
) -> PyResult<String> {
    let b = baton(py, baton_in)?;
    let stage = text(py, stage, "stage")?;
    baton_core::prompt(&b, &stage).map_err(fail(py))
}

/// `extract_patch(reply)`: the patch as canonical JSON.
#[pyfunction]
fn extract_patch(py: Python<'_>, reply: &Bound<'_, PyAny>) -> PyResult<String> {
    let reply = text(py, reply, "reply")?;
    baton_core::extract_patch(&reply)
        .map(|p| baton_core::patch_to_json(&p, false))
        .map_err(fail(py))
}

/// The JSON Schema of a baton or a patch, as JSON.
#[pyfunction]
#[pyo3(signature = (kind = "baton"))]
fn schema(py: Python<'_>, kind: &str) -> PyResult<String> {
    let kind = match kind {
        "baton" => SchemaKind::Baton,
        "patch" => SchemaKind::Patch,
        other => {
            return Err(baton_error(
                py,
                &[Issue::new(
                    Code::InvalidArgument,
                    "",
                    format!("schema kind must be \"baton\" or \"patch\", got {other:?}"),
                )],
            ))
        }
    };
    Ok(baton_core::schema(kind).to_string())
}

/// The extension module `baton._baton`.
#[pymodule]
fn _baton(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(apply_patch, m)?)?;
    m.add_function(wrap_pyfunction!(create, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(diff, m)?)?;
    m.add_function(wrap_pyfunction!(merge_patch, m)?)?;
    m.add_function(wrap_pyfunction!(render, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_tokens_py, m)?)?;
    m.add_function(wrap_pyfunction!(to_json, m)?)?;
    m.add_function(wrap_pyfunction!(prompt, m)?)?;
    m.add_function(wrap_pyfunction!(extract_patch, m)?)?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    Ok(())
}
