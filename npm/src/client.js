// The relay client (SPEC.md §17): `pass`, `catch`, `done`, `status`, `wait` and
// `listHandoffs` over HTTP with `fetch`. It carries no baton rule of its own: the
// relay applies patches with the same core. Bodies and responses keep the wire's
// snake_case names, so the seed's snippets run as written.

const DEFAULT_BASE_URL = 'http://127.0.0.1:7878';

/** The relay's longest long-poll, in seconds (SPEC §17). */
const MAX_WAIT_SECONDS = 60;

/**
 * An HTTP failure from the relay: `status` is the HTTP status (0 when the relay
 * could not be reached), `code` the problem's stable code, `problem` the whole
 * RFC 9457 document.
 */
export class RelayError extends Error {
  constructor(status, problem) {
    super(`${problem.code} (${status}): ${problem.detail ?? problem.title ?? 'relay request failed'}`);
    this.name = 'RelayError';
    this.status = status;
    this.code = problem.code;
    this.problem = problem;
    /** The `{code, path, message}` issues of a 422, else an empty list. */
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
  }
}

function envBaseUrl() {
  const env = globalThis.process?.env;
  return env?.BATON_URL || DEFAULT_BASE_URL;
}

/** A handoff id from an id or a pickup URL (`.../api/catch/<id>`). */
function handoffId(urlOrId) {
  if (typeof urlOrId !== 'string' || urlOrId === '') {
    throw new TypeError('a handoff id or pickup URL (a non-empty string) is required');
  }
  const match = /\/api\/catch\/([^/?#]+)\/?(?:[?#].*)?$/.exec(urlOrId);
  return decodeURIComponent(match ? match[1] : urlOrId);
}

/**
 * A client of one relay, holding one workspace's token.
 *
 * ```js
 * import Baton from 'baton-handoff';
 * const baton = new Baton('baton_...', { baseUrl: 'http://127.0.0.1:7878' });
 * const handoff = await baton.pass({ task: 'Review this draft', output: { draft: 'Hello...' } });
 * ```
 */
export class BatonClient {
  #token;
  #baseUrl;
  #fetch;
  /** Lease tokens of the handoffs this client caught, sent back with `done`. */
  #leases = new Map();

  constructor(token, options = {}) {
    if (typeof token !== 'string' || token === '') {
      throw new TypeError('a relay token (`baton_...`) is required');
    }
    this.#token = token;
    this.#baseUrl = (options.baseUrl ?? envBaseUrl()).replace(/\/+$/, '');
    this.#fetch = options.fetch ?? globalThis.fetch;
    if (typeof this.#fetch !== 'function') throw new TypeError('no fetch: pass `options.fetch`');
  }

  /** The relay's base URL, without a trailing slash. */
  get baseUrl() {
    return this.#baseUrl;
  }

  async #request(method, path, { body, query, headers } = {}) {
    const url = new URL(this.#baseUrl + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const init = {
      method,
      headers: { authorization: `Bearer ${this.#token}`, accept: 'application/json', ...headers },
    };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    // Called without a receiver: a browser's fetch throws "Illegal invocation"
    // for any `this` but the window (or none), and `this.#fetch(...)` would pass the client.
    const fetch = this.#fetch;
    let response;
    try {
      response = await fetch(url, init);
    } catch (err) {
      throw new RelayError(0, { code: 'unreachable', title: 'relay unreachable', detail: `${method} ${url}: ${err?.message ?? err}` });
    }
    const text = await response.text();
    let data;
    try {
      data = text === '' ? null : JSON.parse(text);
    } catch {
      data = null;
    }
    if (!response.ok) {
      const problem = data && typeof data === 'object' && typeof data.code === 'string'
        ? data
        : { code: 'http_error', title: response.statusText, status: response.status, detail: text.slice(0, 200) };
      throw new RelayError(response.status, problem);
    }
    return data;
  }

  /**
   * Passes a task (and its baton) to whoever catches it: `{baton_id, pickup_url,
   * status, expires_at, warnings}`. `idempotencyKey` makes a retry return the first
   * handoff instead of creating a second.
   */
  pass(handoff, { idempotencyKey } = {}) {
    const headers = idempotencyKey === undefined ? {} : { 'idempotency-key': String(idempotencyKey) };
    return this.#request('POST', '/api/pass', { body: handoff, headers });
  }

  /** Claims a handoff by pickup URL or id; the job carries its `lease_token`. */
  async catch(urlOrId) {
    const id = handoffId(urlOrId);
    const job = await this.#request('POST', `/api/catch/${encodeURIComponent(id)}`);
    this.#leases.set(job.baton_id, job.lease_token);
    return job;
  }

  /**
   * Marks a caught handoff done, with an optional `output`, `baton_patch` and
   * `stage`. The lease token of this client's catch is sent unless one is given,
   * so a job re-delivered to another catcher is refused (409 `stale_lease`).
   */
  async done(batonId, result = {}) {
    const id = handoffId(batonId);
    const body = { ...result };
    if (body.lease_token === undefined && this.#leases.has(id)) body.lease_token = this.#leases.get(id);
    const answer = await this.#request('POST', `/api/done/${encodeURIComponent(id)}`, { body });
    this.#leases.delete(id);
    return answer;
  }

  /** A handoff's state, without side effects; `wait` long-polls up to that many seconds for a change. */
  status(batonId, { wait } = {}) {
    return this.#request('GET', `/api/status/${encodeURIComponent(handoffId(batonId))}`, { query: { wait } });
  }

  /**
   * Waits until a handoff is `done` or `expired` and returns its status; rejects
   * with a `RelayError` of code `timeout` after `timeout` seconds (default 300).
   */
  async wait(batonId, { timeout = 300 } = {}) {
    const deadline = Date.now() + timeout * 1000;
    for (;;) {
      const left = Math.ceil((deadline - Date.now()) / 1000);
      const state = await this.status(batonId, { wait: Math.max(0, Math.min(MAX_WAIT_SECONDS, left)) });
      if (state.status === 'done' || state.status === 'expired') return state;
      if (Date.now() >= deadline) {
        throw new RelayError(0, { code: 'timeout', title: 'wait timed out', detail: `handoff ${state.baton_id} is still ${state.status} after ${timeout} s` });
      }
    }
  }

  /** The workspace's handoffs, oldest first: `{handoffs, next}`; filter by `to` and `status`. */
  listHandoffs({ to, status, limit, after } = {}) {
    return this.#request('GET', '/api/handoffs', { query: { to, status, limit, after } });
  }
}
