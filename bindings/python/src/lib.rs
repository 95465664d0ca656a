//! The pyo3 layer under the Python package `baton-handoff` (import name `baton`).
//!
//! Conversion and error mapping only. Plain Python data is read through a
//! borrowed tape of JSON events (`pydata`, no copy of any string) that the
//! core deserializes itself; anything else goes through `convert`, which
//! converts it or reports what is not JSON. The core does the work, with the GIL released for large
//! inputs. Results go back as Python objects: reports built directly, and
//! documents built from the core's canonical JSON (`output`, which keeps its
//! member order, as a `serde_json::Map` would not), or that text itself when
//! the caller asks for JSON. Failures raise `baton.BatonError` carrying the
//! core's `{code, path, message}` issues.

mod convert;
mod output;
mod pydata;

use std::borrow::Cow;

use baton_core::{Baton, Code, Error, Issue, RenderOptions, Report, SchemaKind, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyList, PyString};

use crate::pydata::Tape;

/// A plain string argument (`stage`, `at`, a reply, a text): `TypeError` when it
/// is not a `str`, `invalid_json` when it holds a lone surrogate (SPEC §1).
fn text<'a>(py: Python<'_>, obj: &'a Bound<'_, PyAny>, name: &str) -> PyResult<Cow<'a, str>> {
    let s = obj.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!(
            "`{name}` must be a str, not {}",
            convert::type_name(obj)
        ))
    })?;
    if let Some(borrowed) = pydata::borrow_str(s) {
        return Ok(Cow::Borrowed(borrowed));
    }
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
        item.set_item(intern!(py, "code"), issue.code.as_str())?;
        item.set_item(intern!(py, "path"), &issue.path)?;
        item.set_item(intern!(py, "message"), &issue.message)?;
        list.append(item)?;
    }
    Ok(list)
}

/// `{valid, errors, warnings}`.
fn report_dict<'py>(py: Python<'py>, report: &Report) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "valid"), report.errors.is_empty())?;
    dict.set_item(intern!(py, "errors"), issues_list(py, &report.errors)?)?;
    dict.set_item(intern!(py, "warnings"), issues_list(py, &report.warnings)?)?;
    Ok(dict)
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

/// A result the core wrote as canonical JSON: that text when `json` is truthy,
/// else the Python objects it spells (dicts in its member order).
fn result<'py>(
    py: Python<'py>,
    text: String,
    json: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    // Any truthy value, as the Python layer's `text if json else ...` had it.
    if json.map(|j| j.is_truthy()).transpose()?.unwrap_or(false) {
        Ok(PyString::new(py, &text).into_any())
    } else {
        output::to_python(py, &text)
    }
}

/// A document argument, read for the core.
enum Doc<'a> {
    /// A `str`: JSON text.
    Text(Cow<'a, str>),
    /// Plain Python data, borrowed.
    Tape(Tape),
    /// Other Python data, converted (or found not to be JSON) by `convert`.
    Value(Value),
}

fn doc<'a>(obj: &'a Bound<'_, PyAny>) -> Result<Doc<'a>, Error> {
    if let Ok(text) = obj.cast::<PyString>() {
        return convert::json_text(text).map(Doc::Text);
    }
    match Tape::read(obj) {
        Some(tape) => Ok(Doc::Tape(tape)),
        None => convert::to_value(obj).map(Doc::Value),
    }
}

/// Runs `work` without the GIL when the input (about `size` bytes) is large
/// enough to be worth it; below that, releasing and re-taking the GIL costs
/// more than the work.
fn detach_if_large<T: Send>(py: Python<'_>, size: usize, work: impl FnOnce() -> T + Send) -> T {
    if size > DETACH_ABOVE {
        py.detach(work)
    } else {
        work()
    }
}

/// Runs `work` on the document as the core reads it, without the GIL when it
/// is large (a tape then holds its strings first, see `pydata`).
fn with_doc<'py, T: Send>(
    py: Python<'py>,
    doc: Doc<'_>,
    work: impl FnOnce(Input<'_>) -> T + Send,
) -> T {
    match doc {
        Doc::Text(text) => detach_if_large(py, text.len(), || work(Input::Text(&text))),
        Doc::Tape(mut tape) => {
            if tape.size() > DETACH_ABOVE {
                tape.hold(py);
            }
            let tape = &tape;
            detach_if_large(py, tape.size(), || work(Input::Tape(tape)))
        }
        Doc::Value(value) => {
            let size = convert::rough_size(&value);
            detach_if_large(py, size, || work(Input::Value(&value)))
        }
    }
}

/// A document as the core reads it (`Send`, so it may cross `Python::detach`).
#[derive(Clone, Copy)]
enum Input<'a> {
    Text(&'a str),
    Tape(&'a Tape),
    Value(&'a Value),
}

impl<'a> Input<'a> {
    /// The JSON value (SPEC §1).
    fn value(self) -> Result<Cow<'a, Value>, Error> {
        match self {
            Input::Text(text) => baton_core::parse_json(text).map(Cow::Owned),
            Input::Tape(tape) => baton_core::from_deserializer(tape.reader()).map(Cow::Owned),
            Input::Value(value) => Ok(Cow::Borrowed(value)),
        }
    }

    fn baton(self) -> Result<Baton, Error> {
        Baton::from_value(&*self.value()?)
    }
}

/// A document argument as a JSON value.
fn value(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let doc = doc(obj).map_err(fail(py))?;
    with_doc(py, doc, |input| input.value().map(Cow::into_owned)).map_err(fail(py))
}

/// A baton argument, validated.
fn baton(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Baton> {
    let doc = doc(obj).map_err(fail(py))?;
    with_doc(py, doc, |input| input.baton()).map_err(fail(py))
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
    let report = match doc(document) {
        Ok(doc) => with_doc(py, doc, |input| match input {
            Input::Text(text) => baton_core::validate_json_bytes(text.as_bytes(), budget),
            Input::Tape(tape) => baton_core::validate_deserializer(|| tape.reader(), budget),
            Input::Value(value) => baton_core::validate_with_budget(value, budget),
        }),
        Err(e) => Report {
            errors: e.into_issues(),
            warnings: Vec::new(),
        },
    };
    report_dict(py, &report)
}

/// `apply_patch(baton, patch, stage, at, json)`: the patched baton (canonical JSON when `json`).
#[pyfunction]
#[pyo3(signature = (baton_in, patch, stage, at = None, json = None))]
fn apply_patch<'py>(
    py: Python<'py>,
    baton_in: &Bound<'py, PyAny>,
    patch: &Bound<'py, PyAny>,
    stage: &Bound<'py, PyAny>,
    at: Option<&Bound<'py, PyAny>>,
    json: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    // SPEC §4: the baton, then the arguments, then the patch.
    let b = baton(py, baton_in)?;
    let stage = text(py, stage, "stage")?;
    let at = at.map(|a| text(py, a, "at")).transpose()?;
    baton_core::check_arguments(&stage, at.as_deref()).map_err(fail(py))?;
    let p = value(py, patch)?;
    let size = b.decision_log.len() * 64;
    let text = detach_if_large(py, size, || {
        baton_core::apply_patch(&b, &p, &stage, at.as_deref()).map(|n| n.to_json())
    })
    .map_err(fail(py))?;
    result(py, text, json)
}

/// `create(fields, stage, at, json)`: the new baton (canonical JSON when `json`).
#[pyfunction]
#[pyo3(signature = (fields, stage, at = None, json = None))]
fn create<'py>(
    py: Python<'py>,
    fields: &Bound<'py, PyAny>,
    stage: &Bound<'py, PyAny>,
    at: Option<&Bound<'py, PyAny>>,
    json: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    // SPEC §6: the arguments before the fields.
    let stage = text(py, stage, "stage")?;
    let at = at.map(|a| text(py, a, "at")).transpose()?;
    baton_core::check_arguments(&stage, at.as_deref()).map_err(fail(py))?;
    let fields = doc(fields).map_err(fail(py))?;
    let text = with_doc(py, fields, |input| {
        let f = input.value()?;
        baton_core::create(&f, &stage, at.as_deref()).map(|b| b.to_json())
    })
    .map_err(fail(py))?;
    result(py, text, json)
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
    report.set_item(intern!(py, "ok"), errors.is_empty())?;
    report.set_item(intern!(py, "errors"), issues_list(py, &errors)?)?;
    Ok(report)
}

/// `diff(old, new, json)`: the baton patch (canonical JSON when `json`).
#[pyfunction]
#[pyo3(signature = (old, new, json = None))]
fn diff<'py>(
    py: Python<'py>,
    old: &Bound<'py, PyAny>,
    new: &Bound<'py, PyAny>,
    json: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (o, n) = (baton(py, old)?, baton(py, new)?);
    let text = baton_core::diff(&o, &n)
        .map(|p| baton_core::patch_to_json(&p, false))
        .map_err(fail(py))?;
    result(py, text, json)
}

/// `merge_patch(target, patch, json)`: plain RFC 7396 (the result as canonical JSON when `json`).
#[pyfunction]
#[pyo3(signature = (target, patch, json = None))]
fn merge_patch<'py>(
    py: Python<'py>,
    target: &Bound<'py, PyAny>,
    patch: &Bound<'py, PyAny>,
    json: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (t, p) = (value(py, target)?, value(py, patch)?);
    let text = baton_core::merge_patch(&t, &p)
        .map(|v| baton_core::to_json(&v, false))
        .map_err(fail(py))?;
    result(py, text, json)
}

/// `render_markdown(baton, options)`, the options in their wire form.
#[pyfunction]
#[pyo3(signature = (baton_in, options))]
fn render(
    py: Python<'_>,
    baton_in: &Bound<'_, PyAny>,
    options: &Bound<'_, PyAny>,
) -> PyResult<String> {
    let baton_in = doc(baton_in).map_err(fail(py))?;
    let options = render_options(py, options);
    render_doc(py, baton_in, options)
}

/// `render(baton, max_tokens, history, extensions)`: the keyword API of
/// `baton.render`, the same as `render` with the options
/// `{"max_tokens": max_tokens, "history": history, "extensions": extensions}`.
#[pyfunction]
#[pyo3(signature = (baton_in, max_tokens, history, extensions))]
fn render_with(
    py: Python<'_>,
    baton_in: &Bound<'_, PyAny>,
    max_tokens: &Bound<'_, PyAny>,
    history: &Bound<'_, PyAny>,
    extensions: &Bound<'_, PyAny>,
) -> PyResult<String> {
    let baton_in = doc(baton_in).map_err(fail(py))?;
    let options = match (
        max_tokens.is_none(),
        history.cast_exact::<PyBool>(),
        extensions.cast_exact::<PyBool>(),
    ) {
        // The common calls: what the core makes of these four wire forms,
        // computed once.
        (true, Ok(h), Ok(e)) => {
            static PLAIN: std::sync::OnceLock<[Result<RenderOptions, Error>; 4]> =
                std::sync::OnceLock::new();
            let plain = PLAIN.get_or_init(|| {
                [(false, false), (false, true), (true, false), (true, true)].map(|(h, e)| {
                    RenderOptions::from_value(&serde_json::json!({
                        "max_tokens": null, "history": h, "extensions": e
                    }))
                })
            });
            plain[usize::from(h.is_true()) * 2 + usize::from(e.is_true())].clone()
        }
        _ => {
            let wire = PyDict::new(py);
            wire.set_item(intern!(py, "max_tokens"), max_tokens)?;
            wire.set_item(intern!(py, "history"), history)?;
            wire.set_item(intern!(py, "extensions"), extensions)?;
            render_options(py, wire.as_any())
        }
    };
    render_doc(py, baton_in, options)
}

/// Render options in their wire form.
fn render_options(py: Python<'_>, options: &Bound<'_, PyAny>) -> Result<RenderOptions, Error> {
    let options = doc(options)?;
    with_doc(py, options, |input| {
        RenderOptions::from_value(&*input.value()?)
    })
}

/// Renders; the baton's errors come before the options' (as the core checks them).
fn render_doc<'py>(
    py: Python<'py>,
    baton_in: Doc<'_>,
    options: Result<RenderOptions, Error>,
) -> PyResult<String> {
    with_doc(py, baton_in, |input| {
        let b = input.baton()?;
        baton_core::render_markdown(&b, &options?)
    })
    .map_err(fail(py))
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

/// `extract_patch(reply, json)`: the patch (canonical JSON when `json`).
#[pyfunction]
#[pyo3(signature = (reply, json = None))]
fn extract_patch<'py>(
    py: Python<'py>,
    reply: &Bound<'py, PyAny>,
    json: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let reply = text(py, reply, "reply")?;
    let patch = baton_core::extract_patch(&reply)
        .map(|p| baton_core::patch_to_json(&p, false))
        .map_err(fail(py))?;
    result(py, patch, json)
}

/// The JSON Schema of a baton or a patch (as JSON when `json`).
#[pyfunction]
#[pyo3(signature = (kind = "baton", json = None))]
fn schema<'py>(
    py: Python<'py>,
    kind: &str,
    json: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
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
    result(py, baton_core::schema(kind).to_string(), json)
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
    m.add_function(wrap_pyfunction!(render_with, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_tokens_py, m)?)?;
    m.add_function(wrap_pyfunction!(to_json, m)?)?;
    m.add_function(wrap_pyfunction!(prompt, m)?)?;
    m.add_function(wrap_pyfunction!(extract_patch, m)?)?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    Ok(())
}
