//! The token estimate (SPEC §11): a deterministic, tokenizer-free stand-in for
//! BPE counts, additive over text split at whitespace.

/// Estimates the tokens of `text`: `ceil(L/4)` per run of ASCII letters and digits,
/// 1 per ASCII punctuation or symbol, 1 per non-ASCII character, 0 for whitespace.
pub fn estimate_tokens(text: &str) -> usize {
    let mut total = 0;
    let mut run: usize = 0;
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() {
            run += 1;
            continue;
        }
        total += run.div_ceil(4);
        run = 0;
        // Count a non-ASCII character once, at its lead byte (not at continuation bytes).
        if b.is_ascii_graphic() || b >= 0xC0 {
            total += 1;
        }
    }
    total + run.div_ceil(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_runs_symbols_and_characters() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("hello world"), 4);
        assert_eq!(estimate_tokens("a.b"), 3);
        assert_eq!(estimate_tokens("日本"), 2);
        assert_eq!(estimate_tokens("🎉 x"), 2);
        assert_eq!(estimate_tokens("abcdefgh1"), 3);
        assert_eq!(estimate_tokens("\t\n \u{7f}"), 0);
    }
}
