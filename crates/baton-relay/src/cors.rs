//! Cross-origin access: which web pages may call the API from a browser.
//!
//! Off by default, so a browser only lets pages served by the relay's own
//! origin read its answers. `--cors-origin` names the pages' origins (or `*`).
//! Allowing any origin is safe in the sense that matters here: the relay never
//! reads cookies, so a page can only act with a bearer token it already holds,
//! and CORS adds nothing an agent outside a browser could not do.

use std::time::Duration;

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// How long a browser may reuse a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// The web origins whose pages may call the relay from a browser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// None (the default): no CORS headers are sent.
    #[default]
    None,
    /// Every origin (`Access-Control-Allow-Origin: *`).
    Any,
    /// Exactly these origins, each `scheme://host[:port]` in lowercase.
    List(Vec<String>),
}

/// Why a `--cors-origin` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{origin}` is not an origin: {why}")]
pub struct InvalidOrigin {
    /// The value as given.
    pub origin: String,
    /// What is wrong with it.
    pub why: &'static str,
}

impl AllowedOrigins {
    /// Reads origins as given on the command line: `*` alone, or any number of
    /// `http(s)://host[:port]` (scheme and host are lowercased, as browsers
    /// send them in the `Origin` header). No values gives [`AllowedOrigins::None`].
    ///
    /// # Errors
    ///
    /// [`InvalidOrigin`] for a value with a path, a query, credentials,
    /// whitespace or another scheme, an empty host, or `*` beside other values.
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<AllowedOrigins, InvalidOrigin> {
        let values: Vec<&str> = values.iter().map(|v| v.as_ref().trim()).collect();
        if values.contains(&"*") {
            return match values.as_slice() {
                [_] => Ok(AllowedOrigins::Any),
                _ => Err(InvalidOrigin {
                    origin: "*".to_owned(),
                    why: "`*` allows every origin, so give it alone",
                }),
            };
        }
        let mut list = Vec::with_capacity(values.len());
        for value in values {
            let origin = origin(value).map_err(|why| InvalidOrigin {
                origin: value.to_owned(),
                why,
            })?;
            if !list.contains(&origin) {
                list.push(origin);
            }
        }
        Ok(if list.is_empty() {
            AllowedOrigins::None
        } else {
            AllowedOrigins::List(list)
        })
    }

    /// The layer that answers preflights and adds the CORS headers to every
    /// answer (problem documents too, so a page can read why a call failed);
    /// `None` when no origin is allowed.
    pub(crate) fn layer(&self) -> Option<CorsLayer> {
        let allow = match self {
            AllowedOrigins::None => return None,
            AllowedOrigins::Any => AllowOrigin::any(),
            AllowedOrigins::List(list) => {
                // `parse` admits only visible ASCII, which every header value holds.
                AllowOrigin::list(list.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
            }
        };
        Some(
            CorsLayer::new()
                .allow_origin(allow)
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([
                    AUTHORIZATION,
                    CONTENT_TYPE,
                    HeaderName::from_static("idempotency-key"),
                ])
                .expose_headers([LOCATION, HeaderName::from_static("idempotent-replayed")])
                .max_age(PREFLIGHT_MAX_AGE),
        )
    }
}

/// One origin, lowercased, or why it is not one.
fn origin(value: &str) -> Result<String, &'static str> {
    let lower = value.to_ascii_lowercase();
    let host = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
        .ok_or("an origin starts with http:// or https://")?;
    if host.is_empty() {
        return Err("the host is missing");
    }
    if !host.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("an origin is ASCII without spaces (write an international host in punycode)");
    }
    if host.contains(['/', '?', '#']) {
        return Err("an origin has no path, query or fragment (not even a trailing `/`)");
    }
    if host.contains('@') {
        return Err("an origin has no user name or password");
    }
    Ok(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(values: &[&str]) -> &'static str {
        AllowedOrigins::parse(values).expect_err("refused").why
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(
            AllowedOrigins::parse(&["http://app.example:8080", "HTTPS://App.Example"]),
            Ok(AllowedOrigins::List(vec![
                "http://app.example:8080".into(),
                "https://app.example".into()
            ]))
        );
        assert_eq!(
            AllowedOrigins::parse(&["http://[::1]:3000", "http://[::1]:3000"]),
            Ok(AllowedOrigins::List(vec!["http://[::1]:3000".into()]))
        );
        assert_eq!(AllowedOrigins::parse(&["*"]), Ok(AllowedOrigins::Any));
        assert_eq!(AllowedOrigins::parse::<&str>(&[]), Ok(AllowedOrigins::None));
    }

    #[test]
    fn anything_else_is_refused_with_the_reason() {
        assert!(refused(&["app.example"]).contains("http://"));
        assert!(refused(&["ftp://app.example"]).contains("http://"));
        assert!(refused(&["http://"]).contains("host"));
        assert!(refused(&["http://app.example/"]).contains("trailing"));
        assert!(refused(&["http://app.example/page"]).contains("path"));
        assert!(refused(&["http://app.example?x=1"]).contains("query"));
        assert!(refused(&["http://me@app.example"]).contains("user"));
        assert!(refused(&["http://app example"]).contains("spaces"));
        assert!(refused(&["http://bücher.example"]).contains("punycode"));
        assert!(refused(&["*", "http://app.example"]).contains("alone"));
        let e = AllowedOrigins::parse(&["http://ok.example", "nope"]).expect_err("refused");
        assert_eq!(e.origin, "nope");
    }
}
