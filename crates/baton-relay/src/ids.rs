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

/// A new handoff id: a UUID v4 (122 random bits), lowercase and hyphenated.
pub(crate) fn handoff_id() -> Result<String, RandomError> {
    let uuid = uuid::Builder::from_random_bytes(random::<16>()?).into_uuid();
    Ok(uuid.hyphenated().to_string())
}

/// Whether `s` is a handoff id in its one canonical spelling.
pub(crate) fn is_handoff_id(s: &str) -> bool {
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
    fn ids_and_tokens_have_their_documented_shapes() {
        let id = handoff_id().unwrap();
        assert!(is_handoff_id(&id), "{id}");
        assert_ne!(id, handoff_id().unwrap());
        assert!(!is_handoff_id(&id.to_uppercase()));
        assert!(!is_handoff_id("not-an-id"));
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
