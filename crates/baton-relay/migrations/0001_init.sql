-- The relay's tables. Portable SQL: the same text runs on SQLite and PostgreSQL.
-- Times are milliseconds since the Unix epoch; JSON values are canonical JSON text,
-- and so are `task` and `to_name` (JSON strings: PostgreSQL's text cannot hold U+0000).

CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,          -- SHA-256 (hex) of the token; the token itself is never stored
    workspace TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE handoffs (
    id TEXT PRIMARY KEY,            -- UUID v4
    workspace TEXT NOT NULL,
    task TEXT NOT NULL,             -- a JSON string
    to_name TEXT,                   -- a JSON string, or NULL
    output TEXT NOT NULL,
    context TEXT NOT NULL,
    constraints TEXT NOT NULL,
    baton TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    lease_ms BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    caught_at BIGINT,               -- the latest catch
    lease_expires_at BIGINT,        -- the latest catch's lease
    lease_hash TEXT,                -- SHA-256 (hex) of the latest catch's lease token
    completed_at BIGINT,
    done_hash TEXT,                 -- SHA-256 (hex) of the canonical done body
    result_output TEXT,
    result_baton TEXT,
    version BIGINT NOT NULL DEFAULT 0   -- bumped by every change
);

CREATE INDEX handoffs_by_workspace ON handoffs (workspace, created_at, id);
CREATE INDEX handoffs_by_expiry ON handoffs (expires_at);
CREATE INDEX handoffs_by_completion ON handoffs (completed_at);

CREATE TABLE idempotency_keys (
    workspace TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,     -- SHA-256 (hex) of the canonical pass body
    handoff_id TEXT NOT NULL,
    response TEXT NOT NULL,         -- the first 201 body, replayed byte for byte
    PRIMARY KEY (workspace, idem_key)
);

CREATE INDEX idempotency_by_handoff ON idempotency_keys (handoff_id);
