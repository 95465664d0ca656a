//! The token estimate (SPEC §11): a deterministic, tokenizer-free stand-in for
//! BPE counts, additive over text split at whitespace.

/// Estimates the tokens of `text`: `ceil(L/4)` per run of ASCII letters and digits,
/// 1 per ASCII punctuation or symbol, 1 per non-ASCII character, 0 for whitespace.
///
/// One pass as a state machine: `phase` is the length so far of the run of
/// letters and digits ending here, modulo 4, and a letter or digit counts when
/// it starts a new group of four (`phase == 0`). Eight ASCII bytes at a time go
/// through [`TABLE`]; a word with a non-ASCII byte goes byte by byte.
pub fn estimate_tokens(text: &str) -> usize {
    let mut scan = Scan::default();
    let mut words = text.as_bytes().chunks_exact(8);
    for (i, chunk) in words.by_ref().enumerate() {
        let mut lanes = [0u8; 8];
        lanes.copy_from_slice(chunk);
        scan.word(u64::from_le_bytes(lanes), chunk);
        if i % 255 == 254 {
            scan.flush();
        }
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        // The last bytes as one more word, padded with spaces (which count 0).
        let mut lanes = [b' '; 8];
        lanes[..tail.len()].copy_from_slice(tail);
        scan.word(u64::from_le_bytes(lanes), &lanes);
    }
    scan.flush();
    scan.total
}

#[derive(Default)]
struct Scan {
    total: usize,
    /// Letters and digits seen in the current run, modulo 4.
    phase: usize,
    /// Punctuation counted per byte lane, at most 255 words between flushes.
    lanes: u64,
}

impl Scan {
    #[inline(always)]
    fn word(&mut self, w: u64, bytes: &[u8]) {
        if w & HIGH != 0 {
            for &b in bytes {
                self.step(b);
            }
            return;
        }
        let digit = at_least(w, b'0') & !at_least(w, b'9' + 1);
        let folded = w | (LOW * 0x20);
        let letter = at_least(folded, b'a') & !at_least(folded, b'z' + 1);
        let alnum = digit | letter;
        let graphic = at_least(w, b'!') & !at_least(w, 0x7f);
        self.lanes += (graphic & !alnum) >> 7;
        // One bit per lane: bit i is byte i.
        let mask = ((alnum >> 7).wrapping_mul(GATHER) >> 56) as usize;
        let entry = TABLE[(self.phase & 3) * 256 + (mask & 0xff)];
        self.total += usize::from(entry & 0x0f);
        self.phase = usize::from(entry >> 4);
    }

    /// One byte of the state machine.
    fn step(&mut self, b: u8) {
        match CLASS[b as usize] {
            ALNUM => {
                self.total += usize::from(self.phase == 0);
                self.phase = (self.phase + 1) & 3;
            }
            COUNTED => {
                self.total += 1;
                self.phase = 0;
            }
            _ => self.phase = 0,
        }
    }

    /// Adds up the per-lane counts (each at most 255) into `total`.
    fn flush(&mut self) {
        const PAIRS: u64 = 0x00ff_00ff_00ff_00ff;
        let wide = (self.lanes & PAIRS) + ((self.lanes >> 8) & PAIRS);
        self.total += (wide.wrapping_mul(0x0001_0001_0001_0001) >> 48) as usize;
        self.lanes = 0;
    }
}

/// `0x01` in every byte lane.
const LOW: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte lane.
const HIGH: u64 = LOW * 0x80;
/// Gathers bit 0 of each lane into the top byte: bit `8i` lands on bit `56 + i`.
const GATHER: u64 = 0x0102_0408_1020_4080;

/// `0x80` in each lane of `w` (all lanes below `0x80`) that is at least `lo`.
fn at_least(w: u64, lo: u8) -> u64 {
    // Each lane is below 0x80 and adds at most 0x80: no carry crosses lanes.
    w.wrapping_add(LOW * u64::from(0x80 - lo)) & HIGH
}

/// For each phase (0–3) and each 8-bit mask of letter-or-digit lanes: the tokens
/// those lanes start (low nibble) and the phase after the word (high nibble).
static TABLE: [u8; 1024] = {
    let mut table = [0u8; 1024];
    let mut phase = 0;
    while phase < 4 {
        let mut mask = 0;
        while mask < 256 {
            let (mut count, mut p, mut i) = (0u8, phase, 0);
            while i < 8 {
                if mask & (1 << i) != 0 {
                    if p == 0 {
                        count += 1;
                    }
                    p = (p + 1) & 3;
                } else {
                    p = 0;
                }
                i += 1;
            }
            table[phase * 256 + mask] = count | ((p as u8) << 4);
            mask += 1;
        }
        phase += 1;
    }
    table
};

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

    /// The rule as SPEC §11 states it, one character at a time.
    fn reference(text: &str) -> usize {
        let mut total = 0;
        let mut run: usize = 0;
        for c in text.chars() {
            if c.is_ascii_alphanumeric() {
                run += 1;
                continue;
            }
            total += run.div_ceil(4);
            run = 0;
            if c.is_ascii_graphic() || !c.is_ascii() {
                total += 1;
            }
        }
        total + run.div_ceil(4)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]
        #[test]
        fn the_word_at_a_time_scan_agrees_with_the_rule(
            text in "[a-zA-Z0-9 .,:;_\\-\t\n\u{7f}\u{0}@\\[`{~é日🎉\u{85}]{0,40}"
        ) {
            proptest::prop_assert_eq!(estimate_tokens(&text), reference(&text));
        }

        /// Long runs of letters and digits across the 8-byte words, in every phase.
        #[test]
        fn long_runs_across_words_agree_with_the_rule(
            text in "([a-zA-Z0-9]{0,140}[ .\u{7f}é日🎉\u{85}]{0,3}){0,5}"
        ) {
            proptest::prop_assert_eq!(estimate_tokens(&text), reference(&text));
        }
    }

    #[test]
    fn every_run_length_and_offset_agrees_with_the_rule() {
        for pad in 0..8 {
            for run in 0..200 {
                let text = format!("{}{}!{}", " ".repeat(pad), "a".repeat(run), "9".repeat(run));
                assert_eq!(estimate_tokens(&text), reference(&text), "{pad} {run}");
            }
        }
    }

    #[test]
    fn long_texts_cross_the_lane_flush() {
        for n in [2039, 2040, 2041, 5000, 100_000] {
            let text: String = "ab, cd!e ".chars().cycle().take(n).collect();
            assert_eq!(estimate_tokens(&text), reference(&text));
            let dots = ".".repeat(n);
            assert_eq!(estimate_tokens(&dots), n);
        }
    }

    #[test]
    fn every_byte_is_classified_as_the_rule_says() {
        for c in (0u32..0x80).filter_map(char::from_u32) {
            for run in ["", "a", "ab", "abc", "abcd", "abcdefg"] {
                let text = format!("{run}{c}{run}xyz{c}");
                assert_eq!(estimate_tokens(&text), reference(&text), "{text:?}");
            }
        }
    }

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
