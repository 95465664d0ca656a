//! The token estimate (SPEC §11): a deterministic, tokenizer-free stand-in for
//! BPE counts, additive over text split at whitespace.

/// Estimates the tokens of `text`: `ceil(L/4)` per run of ASCII letters and digits,
/// 1 per ASCII punctuation or symbol, 1 per non-ASCII character, 0 for whitespace.
pub fn estimate_tokens(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut total = 0;
    let mut i = 0;
    while i < bytes.len() {
        match CLASS[bytes[i] as usize] {
            ALNUM => {
                // A whole run at once: a tight scan, then ceil(L/4).
                let start = i;
                i += 1;
                while i < bytes.len() && CLASS[bytes[i] as usize] == ALNUM {
                    i += 1;
                }
                total += (i - start).div_ceil(4);
            }
            // Punctuation, or the lead byte of a non-ASCII character: one each.
            COUNTED => {
                total += 1;
                i += 1;
            }
            // Whitespace, controls, UTF-8 continuation bytes.
            _ => i += 1,
        }
    }
    total
}

const NONE: u8 = 0;
const ALNUM: u8 = 1;
const COUNTED: u8 = 2;

/// The class of every byte value, computed at compile time.
static CLASS: [u8; 256] = {
    let mut table = [NONE; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = if c.is_ascii_alphanumeric() {
            ALNUM
        } else if c.is_ascii_graphic() || c >= 0xC0 {
            COUNTED
        } else {
            NONE
        };
        b += 1;
    }
    table
};

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
