//! Random identifiers and secrets: handoff ids, workspace tokens, lease tokens,
//! and the SHA-256 digests under which secrets are stored.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Why a random value could not be made: the operating system's generator failed.
#[derive(Debug, thiserror::Error)]
#[error("the system random number generator failed: {0}")]
pub struct RandomError(getrandom::Error);

fn random<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(RandomError)?;
    Ok(bytes)
}

/// The digits of handoff ids: Crockford's base32, lowercase. They are in
/// ASCII order, so ids of the same length sort as the numbers they spell.
const BASE32: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A handoff id's length: 10 digits of creation time, 26 of randomness.
const ID_LEN: usize = 36;

/// Where the random digits start.
const RANDOM_AT: usize = 10;

/// A new handoff id for a handoff created at `now_ms` (ms since the epoch): 10
/// base32 digits of that time (48 bits), then 26 of 128 random bits.
///
/// The time comes first so that ids made one after another are neighbours in
/// every index keyed by them: a write touches the index's last pages, which
/// are already cached and already dirty in the current commit, instead of a
/// random page of an index that grows with the table (measured: 16% more full
/// cycles per second on SQLite, benchmarks/README.md). The random part alone
/// is more than a UUID v4's 122 bits.
pub(crate) fn handoff_id(now_ms: i64) -> Result<String, RandomError> {
    let time = u128::try_from(now_ms.clamp(0, (1 << 48) - 1)).unwrap_or(0);
    let random = u128::from_be_bytes(random::<16>()?);
    let mut id = String::with_capacity(ID_LEN);
    push_base32(&mut id, time, RANDOM_AT);
    push_base32(&mut id, random, ID_LEN - RANDOM_AT);
    Ok(id)
}

/// Appends the `digits` lowest base32 digits of `n`, most significant first.
fn push_base32(out: &mut String, n: u128, digits: usize) {
    for i in (0..digits).rev() {
        let digit = (n >> (5 * i)) & 31;
        out.push(char::from(BASE32[usize::try_from(digit).unwrap_or(0)]));
    }
}

/// Whether `s` is a handoff id in its one canonical spelling: this relay's
/// form, or the UUID v4 of handoffs stored by relays before it.
pub(crate) fn is_handoff_id(s: &str) -> bool {
    let b = s.as_bytes();
    // 48 and 128 bits in 50 and 130: each part's first digit is at most 7.
    let ours = b.len() == ID_LEN
        && b.iter().all(|c| BASE32.contains(c))
        && b[0] <= b'7'
        && b[RANDOM_AT] <= b'7';
    ours || is_uuid_v4(s)
}

fn is_uuid_v4(s: &str) -> bool {
    s.len() == 36
        && uuid::Uuid::try_parse(s)
            .is_ok_and(|u| u.get_version_num() == 4 && u.hyphenated().to_string() == s)
}

/// A new workspace token: `baton_` and 43 base64url characters (32 random bytes).
pub(crate) fn workspace_token() -> Result<String, RandomError> {
    Ok(format!("baton_{}", URL_SAFE_NO_PAD.encode(random::<32>()?)))
}

/// Whether `s` has the shape of a workspace token (it may still be unknown).
pub(crate) fn is_token_shaped(s: &str) -> bool {
    s.strip_prefix("baton_").is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// A new lease token: `lease_` and 22 base64url characters (16 random bytes).
pub(crate) fn lease_token() -> Result<String, RandomError> {
    Ok(format!("lease_{}", URL_SAFE_NO_PAD.encode(random::<16>()?)))
}

/// Lowercase hex SHA-256 of `s`: how tokens, lease tokens and request bodies are stored.
pub(crate) fn sha256_hex(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handoff_ids_spell_their_time_then_128_random_bits() {
        // 1764606513123 ms (2025-12-01T16:28:33.123Z) in base 32 is the digits
        // 1 19 11 13 11 29 3 31 3 (1764606513123 = ((((((((1·32+19)·32+11)·32+13)
        // ·32+11)·32+29)·32+3)·32+31)·32+3), k b d b x 3 z 3 in Crockford's
        // alphabet (no i, l, o, u), padded to ten digits.
        let id = handoff_id(1_764_606_513_123).unwrap();
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(&id[..10], "01kbdbx3z3", "{id}");
        // Later ids sort after earlier ones, whatever their random parts.
        let later = handoff_id(1_764_606_513_124).unwrap();
        assert!(later > id, "{later} <= {id}");
        assert_eq!(&handoff_id(0).unwrap()[..10], "0000000000");
        let last = handoff_id(i64::MAX).unwrap();
        assert_eq!(&last[..10], "7zzzzzzzzz", "48 bits at most: {last}");
        assert!(is_handoff_id(&last), "{last}");
        assert_eq!(&handoff_id(-5).unwrap()[..10], "0000000000");
        // The random part's first digit carries 3 bits (128 = 3 + 25 * 5).
        assert!((0..64).all(|_| handoff_id(0).unwrap().as_bytes()[10] <= b'7'));
        // Spellings that are not canonical are not ids.
        let mut bad = id.clone();
        bad.replace_range(0..1, "8");
        assert!(!is_handoff_id(&bad), "time digit past 48 bits");
        let mut bad = id.clone();
        bad.replace_range(20..21, "u");
        assert!(!is_handoff_id(&bad), "u is not a Crockford digit");
        assert!(!is_handoff_id(&id[..35]));
    }

    #[test]
    fn ids_and_tokens_have_their_documented_shapes() {
        let id = handoff_id(1_764_606_513_123).unwrap();
        assert!(is_handoff_id(&id), "{id}");
        assert_ne!(id, handoff_id(1_764_606_513_123).unwrap());
        assert!(!is_handoff_id(&id.to_uppercase()));
        assert!(!is_handoff_id("not-an-id"));
        // Handoffs stored before this form keep their UUID v4 ids.
        assert!(is_handoff_id("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"));
        assert!(!is_handoff_id("6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B"));
        let token = workspace_token().unwrap();
        assert!(is_token_shaped(&token), "{token}");
        assert!(!is_token_shaped("baton_abc123..."));
        let lease = lease_token().unwrap();
        assert_eq!(lease.len(), 6 + 22);
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
