//! `baton serve` and `baton token create`: the relay (crates/baton-relay) from
//! the command line. These are the only commands with a tokio runtime, and the
//! only ones that write as they go (a server cannot build its output first).

use std::io::Write;
use std::path::PathBuf;

use baton_relay::{
    create_token, format_ms, list_tokens, revoke_token, AllowedOrigins, Clock, Config, Database,
    Relay, Store, SystemClock, TokenInfo, DEFAULT_MAX_BODY, DEFAULT_POSTGRES_CONNECTIONS,
};
use clap::{Args, Subcommand};

use crate::{Failure, Output};

/// Where the relay keeps its state: SQLite in a directory, or PostgreSQL.
#[derive(Args)]
pub(crate) struct StorageArgs {
    /// Directory of the SQLite database (default: $BATON_DATA_DIR, else ./baton-data).
    #[arg(long, value_name = "DIR", conflicts_with = "database")]
    data_dir: Option<PathBuf>,
    /// A postgres:// URL instead of SQLite (default: $BATON_DATABASE_URL); several relays may share it.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

impl StorageArgs {
    fn database(self) -> Result<Database, Failure> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let url = self.database.or_else(|| match self.data_dir {
            Some(_) => None,
            None => env("BATON_DATABASE_URL"),
        });
        let dir = self
            .data_dir
            .or_else(|| env("BATON_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("baton-data"));
        Database::choose(url, dir).map_err(|e| Failure::Usage(e.to_string()))
    }
}

/// `baton serve`'s flags.
#[derive(Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7878")]
    listen: String,
    #[command(flatten)]
    storage: StorageArgs,
    /// The base of pickup URLs, as clients reach the relay (default: http://<listen address>).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// The largest request body in bytes (a larger one is refused with 413).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY)]
    max_body: usize,
    /// Do not write a line per request to stderr.
    #[arg(long)]
    no_request_log: bool,
    /// The most PostgreSQL connections this relay opens (size the server's
    /// `max_connections` for every relay sharing it).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_POSTGRES_CONNECTIONS,
          value_parser = clap::value_parser!(u32).range(2..=1000))]
    db_connections: u32,
    /// A web origin (http(s)://host[:port]) whose pages may call the API from a
    /// browser, or `*` for any; repeat for several (default: $BATON_CORS_ORIGINS,
    /// comma-separated, else none).
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origins: Vec<String>,
}

impl ServeArgs {
    /// The `--cors-origin` values, else `$BATON_CORS_ORIGINS`'s.
    fn cors(&self) -> Result<AllowedOrigins, Failure> {
        let from_env = std::env::var("BATON_CORS_ORIGINS").unwrap_or_default();
        let values: Vec<&str> = if self.cors_origins.is_empty() {
            from_env
                .split(',')
                .filter(|v| !v.trim().is_empty())
                .collect()
        } else {
            self.cors_origins.iter().map(String::as_str).collect()
        };
        AllowedOrigins::parse(&values).map_err(|e| Failure::Usage(format!("--cors-origin: {e}")))
    }
}

/// `baton token ...`.
#[derive(Subcommand)]
pub(crate) enum TokenCommand {
    /// Make a token for a workspace; it is printed once and only its hash is stored.
    Create {
        /// The workspace the token opens (1 to 64 of A-Z a-z 0-9 . _ -).
        #[arg(long)]
        workspace: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// List the stored tokens (their ids, workspaces and creation times; never the tokens).
    List {
        /// Only this workspace's tokens.
        #[arg(long)]
        workspace: Option<String>,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Delete a token; a relay that used it in the last minute accepts it until then.
    Revoke {
        /// The token itself, its id from `baton token list` (8 or more of its
        /// hex digits), or `-` to read either from stdin (keeps a token out of
        /// the shell's history).
        #[arg(value_name = "TOKEN_OR_ID")]
        token_or_id: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the async runtime: {e}")))
}

/// Prints now: a server's lines must not wait for the end.
fn say(stdout: Option<&str>, stderr: &str) {
    if let Some(line) = stdout {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}").and_then(|()| out.flush());
    }
    let _ = writeln!(std::io::stderr().lock(), "{stderr}");
}

/// Runs the relay until Ctrl-C or SIGTERM.
pub(crate) fn serve(args: ServeArgs) -> Result<Output, Failure> {
    if let Some(url) = &args.public_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Failure::Usage(format!(
                "--public-url must start with http:// or https://, got `{url}`"
            )));
        }
    }
    let cors = args.cors()?;
    let mut config = Config::new(args.storage.database()?);
    config.cors = cors;
    config.public_url = args.public_url;
    config.max_body = args.max_body;
    config.log_requests = !args.no_request_log;
    config.postgres_connections = args.db_connections;
    runtime()?.block_on(async move {
        let relay = Relay::open(config)
            .await
            .map_err(|e| Failure::Usage(format!("cannot open the database: {e}")))?;
        if let Some(token) = relay
            .first_token()
            .await
            .map_err(|e| Failure::Usage(format!("cannot create the first token: {e}")))?
        {
            say(
                Some(&token),
                &format!("baton: created a token for workspace default: {token}"),
            );
        }
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| Failure::Usage(format!("cannot listen on `{}`: {e}", args.listen)))?;
        let address = listener
            .local_addr()
            .map_err(|e| Failure::Usage(format!("cannot listen on `{}`: {e}", args.listen)))?;
        say(None, &format!("baton: listening on http://{address}"));
        relay
            .serve(listener, stop_signal())
            .await
            .map_err(|e| Failure::Usage(format!("the server failed: {e}")))?;
        say(None, "baton: stopped");
        Ok(Output::ok(String::new()))
    })
}

/// Completes on Ctrl-C or SIGTERM.
async fn stop_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// `baton token ...`: `create` prints the new token (or `{"workspace", "token"}`
/// with `--json`), `list` the stored tokens, `revoke` what it deleted.
pub(crate) fn token(command: TokenCommand, json: bool) -> Result<Output, Failure> {
    let (storage, op) = match command {
        TokenCommand::Create { workspace, storage } => (storage, TokenOp::Create(workspace)),
        TokenCommand::List { workspace, storage } => (storage, TokenOp::List(workspace)),
        TokenCommand::Revoke {
            token_or_id,
            storage,
        } => (storage, TokenOp::Revoke(read_token_arg(token_or_id)?)),
    };
    let database = storage.database()?;
    let done = runtime()?.block_on(async {
        let store = Store::open(&database)
            .await
            .map_err(|e| Failure::Usage(format!("cannot open the database: {e}")))?;
        let done = match &op {
            TokenOp::Create(workspace) => create_token(&store, workspace, SystemClock.now_ms())
                .await
                .map(|token| TokenDone::Created(workspace.clone(), token)),
            TokenOp::List(workspace) => list_tokens(&store, workspace.as_deref())
                .await
                .map(TokenDone::Listed),
            TokenOp::Revoke(given) => revoke_token(&store, given).await.map(TokenDone::Revoked),
        }
        .map_err(|e| Failure::Usage(e.to_string()));
        store.close().await;
        done
    })?;
    let info = |t: &TokenInfo| {
        let created_at = format_ms(t.created_at);
        serde_json::json!({"id": t.id, "workspace": t.workspace, "created_at": created_at})
    };
    let line = |t: &TokenInfo| format!("{}  {}  {}\n", t.id, format_ms(t.created_at), t.workspace);
    let stdout = match (done, json) {
        (TokenDone::Created(_, token), false) => token + "\n",
        (TokenDone::Created(workspace, token), true) => {
            baton_core::to_json(
                &serde_json::json!({"workspace": workspace, "token": token}),
                false,
            ) + "\n"
        }
        (TokenDone::Listed(tokens), false) => tokens.iter().map(line).collect(),
        (TokenDone::Listed(tokens), true) => {
            let tokens: Vec<_> = tokens.iter().map(info).collect();
            baton_core::to_json(&serde_json::json!({ "tokens": tokens }), false) + "\n"
        }
        (TokenDone::Revoked(t), false) => format!("revoked {}", line(&t)),
        (TokenDone::Revoked(t), true) => {
            baton_core::to_json(&serde_json::json!({"revoked": info(&t)}), false) + "\n"
        }
    };
    Ok(Output::ok(stdout))
}

enum TokenOp {
    Create(String),
    List(Option<String>),
    Revoke(String),
}

enum TokenDone {
    /// The workspace and the new token.
    Created(String, String),
    Listed(Vec<TokenInfo>),
    Revoked(TokenInfo),
}

/// `revoke`'s argument, read from stdin when it is `-`.
fn read_token_arg(arg: String) -> Result<String, Failure> {
    if arg != "-" {
        return Ok(arg);
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text)
        .map_err(|e| Failure::Usage(format!("cannot read the token from stdin: {e}")))?;
    Ok(text.trim().to_owned())
}
