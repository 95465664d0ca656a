// Types of the `baton-handoff` package. The wire format (member names of the
// baton, the patch and issues) is snake_case, as in every runtime; the
// functions and their options are camelCase.

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** An extension member name: anything starting with `x-`. */
export type ExtensionName = `x-${string}`;

/** The seven list fields, in their fixed order. */
export type ListFieldName =
  | 'current_state'
  | 'decision_log'
  | 'constraints'
  | 'open_questions'
  | 'work_scope'
  | 'artifacts'
  | 'acceptance';

/** One recorded patch: which stage applied it, when, and the patch as applied. */
export interface HistoryEntry {
  stage: string;
  /** RFC 3339 UTC timestamp, e.g. `2026-01-31T12:00:00Z`. */
  at: string;
  patch: BatonPatch;
}

/** A baton as the package returns it: every member present, in canonical order. */
export interface Baton {
  version: 1;
  goal: string;
  current_state: string[];
  decision_log: string[];
  constraints: string[];
  open_questions: string[];
  work_scope: string[];
  artifacts: string[];
  acceptance: string[];
  history: HistoryEntry[];
  [extension: ExtensionName]: JsonValue;
}

/** A baton as the package accepts it: missing lists are empty, `version` and `history` optional. */
export interface BatonFields {
  version?: 1;
  goal: string;
  current_state?: string[];
  decision_log?: string[];
  constraints?: string[];
  open_questions?: string[];
  work_scope?: string[];
  artifacts?: string[];
  acceptance?: string[];
  history?: HistoryEntry[];
  [extension: ExtensionName]: JsonValue;
}

/** A baton input: an object, or its JSON text. */
export type BatonInput = BatonFields | string;

/** Edit a list in place: remove every occurrence of `remove`, then append each new `add`. */
export interface ListEdit {
  add?: string[];
  remove?: string[];
}

/** `decision_log` is append-only: only `add`. */
export interface DecisionLogEdit {
  add?: string[];
}

/** A baton patch (SPEC.md §5). */
export interface BatonPatch {
  /** Replaces the goal. */
  goal?: string;
  /** Appends the entries not already present (an array appends too). */
  decision_log?: string[] | DecisionLogEdit;
  /** An array replaces the list, `null` empties it, an edit object adds and removes. */
  current_state?: string[] | ListEdit | null;
  constraints?: string[] | ListEdit | null;
  open_questions?: string[] | ListEdit | null;
  work_scope?: string[] | ListEdit | null;
  artifacts?: string[] | ListEdit | null;
  acceptance?: string[] | ListEdit | null;
  /** RFC 7396 merge into the extension; `null` removes it. */
  [extension: ExtensionName]: JsonValue;
}

/** A patch input: an object, or its JSON text. */
export type PatchInput = BatonPatch | string;

/** Every stable code an issue can carry (SPEC.md §4). */
export type IssueCode =
  | 'type'
  | 'required'
  | 'empty'
  | 'unknown_field'
  | 'version'
  | 'append_only'
  | 'unknown_op'
  | 'read_only'
  | 'invalid_json'
  | 'duplicate_key'
  | 'too_deep'
  | 'timestamp'
  | 'invalid_argument'
  | 'no_patch'
  | 'history_mismatch'
  | 'unrepresentable'
  | 'over_budget'
  | 'duplicate';

/** One error or warning. */
export interface Issue {
  code: IssueCode;
  /** RFC 6901 JSON Pointer to the offending value; `""` is the whole input. */
  path: string;
  message: string;
}

/** The error every function throws on bad input. */
export declare class BatonError extends Error {
  readonly name: 'BatonError';
  /** Every issue found, at least one, in SPEC.md §4 order. */
  readonly errors: Issue[];
  /** The first issue's code. */
  readonly code: IssueCode;
  /** The first issue's path. */
  readonly path: string;
  constructor(errors: Issue[]);
}

/** What `validate` found; never thrown. */
export interface ValidationReport {
  valid: boolean;
  errors: Issue[];
  /** `duplicate` and `over_budget`; only computed when there are no errors. */
  warnings: Issue[];
}

/** What `verify` found. */
export interface VerifyReport {
  ok: boolean;
  /** `history_mismatch` issues where replaying the history disagrees with the fields. */
  errors: Issue[];
}

export interface ValidateOptions {
  /** Token budget for the `over_budget` warning (default 1000). */
  budget?: number;
}

export interface StageOptions {
  /** The stage recording the change, e.g. `"planner"`; must not be blank. */
  stage: string;
  /** RFC 3339 UTC timestamp to record; default now. */
  at?: string;
}

/** Ask for canonical JSON text instead of an object. */
export interface JsonOutput {
  json: true;
}

export interface RenderOptions {
  /** The most tokens (SPEC.md §11) the Markdown may estimate to; the oldest decisions are left out to fit. */
  maxTokens?: number;
  /** Add a `## History` section. */
  history?: boolean;
  /** Add a `## Extensions` section. */
  extensions?: boolean;
}

export interface ToJsonOptions {
  /** Two-space indented instead of compact. */
  pretty?: boolean;
}

/** A JSON Schema document. */
export type JsonSchema = JsonObject;

/** Validates a document (an object, or JSON text): every error and warning at once. Never throws on the document. */
export function validate(document: unknown, options?: ValidateOptions): ValidationReport;

/** Applies a baton patch atomically and records it in the history. */
export function applyPatch(baton: BatonInput, patch: PatchInput, options: StageOptions & JsonOutput): string;
export function applyPatch(baton: BatonInput, patch: PatchInput, options: StageOptions & { json?: false }): Baton;

/** A new baton whose history starts with the given fields. */
export function createBaton(fields: BatonInput, options: StageOptions & JsonOutput): string;
export function createBaton(fields: BatonInput, options: StageOptions & { json?: false }): Baton;

/** Replays the history and reports where it disagrees with the fields. */
export function verify(baton: BatonInput): VerifyReport;

/** The baton patch that turns `oldBaton` into `newBaton` (`append_only` if decisions are dropped). */
export function diff(oldBaton: BatonInput, newBaton: BatonInput, options: JsonOutput): string;
export function diff(oldBaton: BatonInput, newBaton: BatonInput, options?: { json?: false }): BatonPatch;

/** Plain RFC 7396 merge patch on any JSON (a string argument is JSON text). */
export function mergePatch(target: JsonValue, patch: JsonValue, options: JsonOutput): string;
export function mergePatch(target: JsonValue, patch: JsonValue, options?: { json?: false }): JsonValue;

/** The baton as Markdown for a prompt. */
export function render(baton: BatonInput, options?: RenderOptions): string;

/** The token estimate of SPEC.md §11. */
export function estimateTokens(text: string): number;

/** Canonical JSON (SPEC.md §9). */
export function toJson(baton: BatonInput, options?: ToJsonOptions): string;

/** The Markdown to inject before `stage`, with instructions for returning a `baton_patch`. */
export function prompt(baton: BatonInput, stage: string): string;

/** The baton patch in a model's reply; `no_patch` when there is none. */
export function extractPatch(reply: string, options: JsonOutput): string;
export function extractPatch(reply: string, options?: { json?: false }): BatonPatch;

/** The JSON Schema of a baton (default) or of a patch. */
export function schema(kind?: 'baton' | 'patch'): JsonSchema;

// ---- The relay client (SPEC.md §17). Wire names stay snake_case. ----

/** The state of a handoff on the relay. */
export type HandoffStatus = 'pending' | 'caught' | 'done' | 'expired';

/** The stable codes of the relay's problem documents (SPEC.md §17), plus the client's own. */
export type RelayErrorCode =
  | 'malformed_body'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'already_caught'
  | 'already_done'
  | 'not_caught'
  | 'stale_lease'
  | 'expired'
  | 'payload_too_large'
  | 'invalid_request'
  | 'invalid_baton'
  | 'invalid_patch'
  | 'no_baton'
  | 'idempotency_mismatch'
  | 'storage_unavailable'
  /** Client side: the relay could not be reached. */
  | 'unreachable'
  /** Client side: `wait` ran out of time. */
  | 'timeout'
  /** Client side: a failure without a problem document. */
  | 'http_error';

/** An RFC 9457 problem document as the relay sends it. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code: RelayErrorCode;
  /** The `{code, path, message}` issues of a 422. */
  errors?: Issue[];
}

/** An HTTP failure from the relay. */
export declare class RelayError extends Error {
  readonly name: 'RelayError';
  /** The HTTP status; 0 when no answer came (unreachable, timeout). */
  readonly status: number;
  readonly code: RelayErrorCode;
  readonly problem: Problem;
  /** The issues of a 422 (`invalid_request`, `invalid_baton`, `invalid_patch`), else empty. */
  readonly errors: Issue[];
  constructor(status: number, problem: Problem);
}

/** What `pass` sends. */
export interface PassRequest {
  /** What the catcher should do. */
  task: string;
  output?: JsonValue;
  context?: JsonValue;
  constraints?: JsonValue;
  /** A baton; the relay validates it with the core. */
  baton?: BatonFields;
  /** The addressee (an agent or stage name), for `listHandoffs({ to })`. */
  to?: string;
  /** How long the handoff waits to be finished (default 86,400). */
  ttl_seconds?: number;
  /** How long one catch holds it before it can be caught again (default 900). */
  lease_seconds?: number;
}

/** What `pass` answers. */
export interface PassResult {
  baton_id: string;
  pickup_url: string;
  status: 'pending';
  expires_at: string;
  /** The baton's validation warnings (`duplicate`, `over_budget`). */
  warnings: Issue[];
}

/** A caught handoff: the work to do. */
export interface Job {
  baton_id: string;
  task: string;
  output: JsonValue;
  context: JsonValue;
  constraints: JsonValue;
  baton: Baton | null;
  to: string | null;
  status: 'caught';
  /** Sent back with `done` (the client does it for you). */
  lease_token: string;
  lease_expires_at: string;
  expires_at: string;
  /** 1 for the first catch, 2 after one re-delivery, ... */
  attempt: number;
}

/** What `done` sends. */
export interface DoneRequest {
  output?: JsonValue;
  /** Applied by the relay with the core, recorded in the baton's history. */
  baton_patch?: BatonPatch;
  /** The stage recorded with the patch (default: the handoff's `to`). */
  stage?: string;
  /** Defaults to the token of this client's catch. */
  lease_token?: string;
}

/** What `done` answers. */
export interface DoneResult {
  baton_id: string;
  status: 'done';
  completed_at: string;
  output: JsonValue;
  baton: Baton | null;
}

/** A handoff's state (`status`), without side effects. */
export interface HandoffState {
  baton_id: string;
  status: HandoffStatus;
  task: string;
  to: string | null;
  created_at: string;
  expires_at: string;
  caught_at: string | null;
  lease_expires_at: string | null;
  completed_at: string | null;
  attempts: number;
  /** The done output; null until done. */
  output: JsonValue;
  /** The patched baton; null until done. */
  baton: Baton | null;
}

/** One row of `listHandoffs`. */
export interface HandoffSummary {
  baton_id: string;
  status: HandoffStatus;
  task: string;
  to: string | null;
  created_at: string;
  expires_at: string;
  pickup_url: string;
}

/** A page of `listHandoffs`; pass `next` as `after` for the following page. */
export interface HandoffList {
  handoffs: HandoffSummary[];
  next: string | null;
}

/** Options of a `BatonClient`. */
export interface ClientOptions {
  /** The relay (default: `$BATON_URL`, else `http://127.0.0.1:7878`). */
  baseUrl?: string;
  /** A `fetch` implementation (default: the global one). */
  fetch?: (input: URL, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Response>;
}

/** A client of one relay with one workspace's token (the package's default export). */
export declare class BatonClient {
  constructor(token: string, options?: ClientOptions);
  readonly baseUrl: string;
  pass(handoff: PassRequest, options?: { idempotencyKey?: string }): Promise<PassResult>;
  /** Claims a handoff by pickup URL or id. */
  catch(urlOrId: string): Promise<Job>;
  done(batonId: string, result?: DoneRequest): Promise<DoneResult>;
  /** `wait`: long-poll up to that many seconds (at most 60) for a change. */
  status(batonId: string, options?: { wait?: number }): Promise<HandoffState>;
  /** Resolves when the handoff is `done` or `expired`; rejects with code `timeout` after `timeout` seconds (default 300). */
  wait(batonId: string, options?: { timeout?: number }): Promise<HandoffState>;
  listHandoffs(filter?: { to?: string; status?: HandoffStatus; limit?: number; after?: string }): Promise<HandoffList>;
}

export default BatonClient;
