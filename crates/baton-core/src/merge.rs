//! RFC 7396 JSON Merge Patch (SPEC §8).

use serde_json::{Map, Value};

use crate::error::{Code, Error};
use crate::json::{depth_exceeds, MAX_DEPTH};

/// Applies `patch` to `target` as RFC 7396 says, on any JSON values.
///
/// Fails only with `too_deep` when either value nests deeper than 100 levels.
pub fn merge_patch(target: &Value, patch: &Value) -> Result<Value, Error> {
    if depth_exceeds(target, MAX_DEPTH) || depth_exceeds(patch, MAX_DEPTH) {
        return Err(Error::single(
            Code::TooDeep,
            "",
            format!("nesting deeper than {MAX_DEPTH} levels"),
        ));
    }
    Ok(merge(Some(target), patch))
}

/// The merge itself; callers bound the depth.
pub(crate) fn merge(target: Option<&Value>, patch: &Value) -> Value {
    let Value::Object(changes) = patch else {
        return patch.clone();
    };
    let mut out = match target {
        Some(Value::Object(t)) => t.clone(),
        _ => Map::new(),
    };
    for (key, change) in changes {
        if change.is_null() {
            out.remove(key);
        } else {
            let merged = merge(out.get(key), change);
            out.insert(key.clone(), merged);
        }
    }
    Value::Object(out)
}
