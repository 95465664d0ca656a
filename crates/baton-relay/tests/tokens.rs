//! Listing and revoking tokens (`baton token list`, `baton token revoke`):
//! what is shown of a token, and that a revoked token opens nothing.
//! Runs on SQLite, or on PostgreSQL when `BATON_TEST_DATABASE_URL` is set.

mod common;

use baton_relay::{list_tokens, revoke_token, TokenError, TOKEN_ID_LEN};
use common::{execute_sql, start, unique};
use sha2::{Digest, Sha256};

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn a_revoked_token_opens_nothing_and_the_others_still_do() {
    let relay = start().await;
    let workspace = unique("ws-");
    let kept = relay.token_for(&workspace).await;
    relay.advance(1);
    let revoked = relay.token_for(&workspace).await;
    let other = relay.token().await;

    let listed = list_tokens(&relay.store, Some(&workspace))
        .await
        .expect("list");
    let ids: Vec<&str> = listed.iter().map(|t| t.id.as_str()).collect();
    // Oldest first; an id is the start of the token's SHA-256, never the token.
    assert_eq!(
        ids,
        [
            &sha256_hex(&kept)[..TOKEN_ID_LEN],
            &sha256_hex(&revoked)[..TOKEN_ID_LEN]
        ]
    );
    assert!(listed.iter().all(|t| t.workspace == workspace));
    let everyone = list_tokens(&relay.store, None).await.expect("list all");
    assert!(everyone
        .iter()
        .any(|t| t.id == sha256_hex(&other)[..TOKEN_ID_LEN]));

    // Never used, so no relay has it cached: refused at once.
    let gone = revoke_token(&relay.store, &revoked).await.expect("revoke");
    assert_eq!(gone.id, ids[1]);
    assert_eq!(gone.workspace, workspace);
    relay
        .get("/api/handoffs", &revoked)
        .await
        .problem(401, "unauthorized");
    relay.get("/api/handoffs", &kept).await.ok(200);
    relay.get("/api/handoffs", &other).await.ok(200);

    // By id, case-insensitively; a second time there is nothing to revoke.
    let by_id = revoke_token(&relay.store, &ids[0].to_ascii_uppercase())
        .await
        .expect("revoke by id");
    assert_eq!(by_id.id, ids[0]);
    // This one was used a moment ago: the relay remembers it for up to a
    // minute (SPEC §17.10), then asks the database again.
    relay.get("/api/handoffs", &kept).await.ok(200);
    assert!(matches!(
        revoke_token(&relay.store, ids[0]).await,
        Err(TokenError::NoSuchToken(_))
    ));
    assert!(list_tokens(&relay.store, Some(&workspace))
        .await
        .expect("list")
        .is_empty());
}

#[tokio::test]
async fn an_id_must_name_exactly_one_token() {
    let relay = start().await;
    let workspace = unique("ws-");
    let hash = |last: char| format!("abcdef01{}", last.to_string().repeat(56));
    for last in ['0', '1'] {
        execute_sql(
            &relay.database,
            &format!(
                "INSERT INTO tokens (hash, workspace, created_at) VALUES ('{}', '{workspace}', 1)",
                hash(last)
            ),
        )
        .await;
    }
    assert!(matches!(
        revoke_token(&relay.store, "abcdef01").await,
        Err(TokenError::AmbiguousId(prefix, 2)) if prefix == "abcdef01"
    ));
    for short in ["abcdef0", "", "baton_", "not hex!", &"a".repeat(65)] {
        assert!(
            matches!(
                revoke_token(&relay.store, short).await,
                Err(TokenError::NotATokenOrId(_))
            ),
            "{short}"
        );
    }
    let one = revoke_token(&relay.store, "abcdef011")
        .await
        .expect("unique");
    assert_eq!(one.id, hash('1')[..TOKEN_ID_LEN]);
    let left = list_tokens(&relay.store, Some(&workspace))
        .await
        .expect("list");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, hash('0')[..TOKEN_ID_LEN]);
    // A mistyped token is not echoed back.
    let mistyped = format!("{}x", relay.token().await);
    let e = revoke_token(&relay.store, &mistyped)
        .await
        .expect_err("refused");
    assert!(!e.to_string().contains(&mistyped[6..]), "{e}");
}
