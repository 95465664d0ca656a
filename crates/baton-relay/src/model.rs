//! The wire shapes: request and response bodies as the OpenAPI document
//! describes them. Requests are checked by the private `request` module; the request
//! types here exist for the schema (and are what a client sends).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use utoipa::openapi::{ObjectBuilder, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::problem::FieldIssue;

/// Any JSON value, already in canonical form, sent without re-encoding.
pub(crate) type Json = Box<RawValue>;

/// A handoff's status, derived from its record and the time (SPEC §17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HandoffStatus {
    /// Waiting to be caught: never caught, or the last lease ended without done.
    Pending,
    /// A catcher holds a live lease.
    Caught,
    /// Marked done.
    Done,
    /// Not done, past its TTL, and no live lease.
    Expired,
}

impl HandoffStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            HandoffStatus::Pending => "pending",
            HandoffStatus::Caught => "caught",
            HandoffStatus::Done => "done",
            HandoffStatus::Expired => "expired",
        }
    }

    /// Every status, in lifecycle order.
    pub const ALL: [HandoffStatus; 4] = [
        HandoffStatus::Pending,
        HandoffStatus::Caught,
        HandoffStatus::Done,
        HandoffStatus::Expired,
    ];
}

/// Stands for baton-core's baton schema in the OpenAPI document; the
/// component is replaced by `baton_core::schema(SchemaKind::Baton)`.
pub(crate) struct BatonSchema;

impl PartialSchema for BatonSchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().into()
    }
}

impl ToSchema for BatonSchema {
    fn name() -> Cow<'static, str> {
        "Baton".into()
    }
}

/// Stands for baton-core's patch schema; replaced like [`BatonSchema`].
pub(crate) struct PatchSchema;

impl PartialSchema for PatchSchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().into()
    }
}

impl ToSchema for PatchSchema {
    fn name() -> Cow<'static, str> {
        "BatonPatch".into()
    }
}

/// `POST /api/pass`: hand off a task.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PassRequest {
    /// What the catcher should do. Not blank.
    #[schema(min_length = 1)]
    pub task: String,
    /// The passer's output, carried as-is (any JSON; default null).
    #[schema(value_type = Option<Value>)]
    pub output: Option<Value>,
    /// Context, carried as-is (any JSON; default null).
    #[schema(value_type = Option<Value>)]
    pub context: Option<Value>,
    /// Constraints, carried as-is (any JSON; default null).
    #[schema(value_type = Option<Value>)]
    pub constraints: Option<Value>,
    /// A baton document; validated by baton-core and stored canonically.
    #[schema(value_type = Option<BatonSchema>)]
    pub baton: Option<Value>,
    /// The addressee (an agent or stage name). Not blank.
    #[schema(min_length = 1)]
    pub to: Option<String>,
    /// How long the handoff waits to be finished, in seconds (default 86400).
    #[schema(minimum = 1, maximum = 2592000)]
    pub ttl_seconds: Option<i64>,
    /// How long one catch holds it, in seconds (default 900).
    #[schema(minimum = 1, maximum = 86400)]
    pub lease_seconds: Option<i64>,
}

/// `POST /api/done/{id}`: finish a caught handoff.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoneRequest {
    /// The catcher's output (any JSON; default null).
    #[schema(value_type = Option<Value>)]
    pub output: Option<Value>,
    /// A baton patch, applied by baton-core and recorded in the baton's history.
    #[schema(value_type = Option<PatchSchema>)]
    pub baton_patch: Option<Value>,
    /// The stage recorded with the patch (default: the handoff's `to`, else `relay`). Not blank.
    #[schema(min_length = 1)]
    pub stage: Option<String>,
    /// The `lease_token` of the catch; a stale one is refused with 409 `stale_lease`.
    pub lease_token: Option<String>,
}

/// The 201 of a pass.
#[derive(Debug, Serialize, ToSchema)]
pub struct PassResponse {
    /// The handoff id: 10 base32 digits of its creation time, then 26 random ones (SPEC §17.1).
    pub baton_id: String,
    /// Where the catcher gets it: `<public url>/api/catch/<id>`.
    pub pickup_url: String,
    /// Always `pending`.
    pub status: HandoffStatus,
    /// When the handoff expires unless done (RFC 3339 UTC).
    pub expires_at: String,
    /// baton-core's warnings about the baton (empty without a baton).
    pub warnings: Vec<FieldIssue>,
}

/// The 200 of a catch: the whole payload and the lease.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatchResponse {
    /// The handoff id.
    pub baton_id: String,
    /// The task.
    #[schema(value_type = String)]
    pub task: Json,
    /// The passer's output.
    #[schema(value_type = Value)]
    pub output: Json,
    /// The context.
    #[schema(value_type = Value)]
    pub context: Json,
    /// The constraints.
    #[schema(value_type = Value)]
    pub constraints: Json,
    /// The passed baton (canonical), or null.
    #[schema(value_type = Option<BatonSchema>)]
    pub baton: Option<Json>,
    /// The addressee, or null.
    #[schema(value_type = Option<String>)]
    pub to: Option<Json>,
    /// Always `caught`.
    pub status: HandoffStatus,
    /// Send it with done; a later catch makes it stale.
    pub lease_token: String,
    /// When this catch's lease ends; after that the handoff can be caught again.
    pub lease_expires_at: String,
    /// When the handoff expires unless done.
    pub expires_at: String,
    /// 1 for the first catch, 2 after one re-delivery, ...
    pub attempt: i64,
}

/// The 200 of a done (and of a repeat of the same done).
#[derive(Debug, Serialize, ToSchema)]
pub struct DoneResponse {
    /// The handoff id.
    pub baton_id: String,
    /// Always `done`.
    pub status: HandoffStatus,
    /// When it was marked done.
    pub completed_at: String,
    /// The done's output.
    #[schema(value_type = Value)]
    pub output: Json,
    /// The patched baton, or the passed one when there was no patch, or null.
    #[schema(value_type = Option<BatonSchema>)]
    pub baton: Option<Json>,
}

/// The 200 of a status read.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusResponse {
    /// The handoff id.
    pub baton_id: String,
    /// The derived status.
    pub status: HandoffStatus,
    /// The task.
    #[schema(value_type = String)]
    pub task: Json,
    /// The addressee, or null.
    #[schema(value_type = Option<String>)]
    pub to: Option<Json>,
    /// When it was passed.
    pub created_at: String,
    /// When it expires unless done.
    pub expires_at: String,
    /// The latest catch, or null.
    pub caught_at: Option<String>,
    /// The end of the latest catch's lease, or null.
    pub lease_expires_at: Option<String>,
    /// When it was marked done, or null.
    pub completed_at: Option<String>,
    /// How many times it was caught.
    pub attempts: i64,
    /// The done's output; null until done.
    #[schema(value_type = Value)]
    pub output: Option<Json>,
    /// The resulting baton; null until done.
    #[schema(value_type = Option<BatonSchema>)]
    pub baton: Option<Json>,
}

/// One entry of a handoff list.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffSummary {
    /// The handoff id.
    pub baton_id: String,
    /// The derived status.
    pub status: HandoffStatus,
    /// The task.
    #[schema(value_type = String)]
    pub task: Json,
    /// The addressee, or null.
    #[schema(value_type = Option<String>)]
    pub to: Option<Json>,
    /// When it was passed.
    pub created_at: String,
    /// When it expires unless done.
    pub expires_at: String,
    /// Where to catch it.
    pub pickup_url: String,
}

/// The 200 of a list: a page, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffList {
    /// The handoffs.
    pub handoffs: Vec<HandoffSummary>,
    /// The `after` value for the next page, or null on the last page.
    pub next: Option<String>,
}

/// The 200 of `/healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}
