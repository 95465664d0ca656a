//! Finding the patch in a model's reply (SPEC §13).

use serde_json::Value;

use crate::error::{Code, Error};
use crate::json::parse_json;

/// How many `{` positions the bare-object scan tries, which keeps extraction linear.
const MAX_BARE_ATTEMPTS: usize = 100;

/// Finds the baton patch in a reply: the whole reply as JSON, else fenced blocks,
/// else (unless a ```` ```json ```` block failed to parse) bare `{...}` objects; a
/// `{"baton_patch": {...}}` wrapper is preferred and unwrapped. The result is not
/// yet validated: [`crate::apply_patch`] does that.
pub fn extract_patch(reply: &str) -> Result<Value, Error> {
    let trimmed = reply.trim();
    if let Ok(v @ Value::Object(_)) = parse_json(trimmed) {
        return choose(vec![v]);
    }
    let fences = fenced_blocks(reply);
    let mut candidates = Vec::new();
    let mut json_block_error = None;
    for block in &fences {
        match parse_json(&block.content) {
            Ok(v @ Value::Object(_)) => candidates.push(v),
            Ok(_) => {}
            Err(e) if block.is_json && json_block_error.is_none() => json_block_error = Some(e),
            Err(_) => {}
        }
    }
    if candidates.is_empty() {
        // A broken ```json block is the patch the model meant to give: report it rather
        // than fall back to an object that happens to appear in the prose.
        if let Some(e) = json_block_error {
            return Err(e);
        }
        candidates = bare_objects(reply, &fences);
    }
    if candidates.is_empty() {
        return Err(Error::single(
            Code::NoPatch,
            "",
            "no JSON object found in the reply; end it with a ```json block holding {\"baton_patch\": {...}}",
        ));
    }
    choose(candidates)
}

fn choose(candidates: Vec<Value>) -> Result<Value, Error> {
    let wrapped = candidates.iter().rev().find_map(|c| c.get("baton_patch"));
    match wrapped {
        Some(v @ Value::Object(_)) => Ok(v.clone()),
        Some(_) => Err(Error::single(
            Code::Type,
            "/baton_patch",
            "`baton_patch` must be a JSON object",
        )),
        None => Ok(candidates.into_iter().next_back().expect("non-empty")),
    }
}

struct Block {
    content: String,
    is_json: bool,
    /// Byte range of the whole block (fences included) in the reply.
    span: (usize, usize),
}

fn fenced_blocks(reply: &str) -> Vec<Block> {
    let mut lines = Vec::new();
    let mut offset = 0;
    for line in reply.split_inclusive('\n') {
        lines.push((offset, line));
        offset += line.len();
    }
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (start, line) = lines[i];
        let Some((fence, count, info)) = opening(line) else {
            i += 1;
            continue;
        };
        let mut content = Vec::new();
        let mut end = reply.len();
        let mut j = i + 1;
        while j < lines.len() {
            let (line_start, l) = lines[j];
            let t = l.trim_start();
            if t.chars().take_while(|c| *c == fence).count() >= count {
                end = line_start + l.len();
                break;
            }
            content.push(l);
            j += 1;
        }
        let info_word = info.split_whitespace().next().unwrap_or("");
        blocks.push(Block {
            content: content.concat(),
            is_json: info_word.eq_ignore_ascii_case("json"),
            span: (start, end),
        });
        i = j + 1;
    }
    blocks
}

/// A fence opening line: the fence character, its length and the info string.
fn opening(line: &str) -> Option<(char, usize, &str)> {
    let t = line.trim_start();
    let fence = t.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let count = t.chars().take_while(|c| *c == fence).count();
    (count >= 3).then(|| (fence, count, t[count..].trim()))
}

/// Balanced `{...}` spans outside fenced blocks that parse as objects.
fn bare_objects(reply: &str, fences: &[Block]) -> Vec<Value> {
    let bytes = reply.as_bytes();
    let mut out = Vec::new();
    let mut attempts = 0;
    let mut pos = 0;
    let mut next_fence = 0;
    while pos < bytes.len() && attempts < MAX_BARE_ATTEMPTS {
        // Fences are in reply order, so one forward pointer finds the one we are in.
        while next_fence < fences.len() && fences[next_fence].span.1 <= pos {
            next_fence += 1;
        }
        if let Some(block) = fences.get(next_fence).filter(|b| b.span.0 <= pos) {
            pos = block.span.1;
            continue;
        }
        if bytes[pos] != b'{' {
            pos += 1;
            continue;
        }
        attempts += 1;
        match balanced_end(bytes, pos) {
            Some(end) => match parse_json(&reply[pos..end]) {
                Ok(v @ Value::Object(_)) => {
                    out.push(v);
                    pos = end;
                }
                _ => pos += 1,
            },
            None => pos += 1,
        }
    }
    out
}

/// The end (exclusive) of the balanced `{...}` starting at `start`, skipping strings.
fn balanced_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}
