// The relay client against a real `baton serve`: the seed's snippet as written,
// lease tokens, long-poll waiting, listing, and the RelayError shape.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Baton, { BatonClient, RelayError, createBaton, render } from '../src/node.js';
import { backends, startRelay } from './relay-server.js';

async function rejects(promise, status, code) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof RelayError, `expected a RelayError, got ${err}`);
    assert.ok(err instanceof Error);
    assert.equal(err.status, status);
    assert.equal(err.code, code);
    assert.equal(err.problem.code, code);
    return true;
  });
}

for (const backend of backends) describe(`the relay client on ${backend}`, () => {
  let relay;
  before(async () => { relay = await startRelay(backend); });
  after(() => relay?.stop());
  const client = () => new Baton(relay.token, { baseUrl: relay.url });

  test('the default export is the client class', () => {
    assert.equal(Baton, BatonClient);
  });

  test("the seed's snippet runs as written", async () => {
    const baton = client();
    // Agent A: pass context to the next agent
    const handoff = await baton.pass({
      task: 'Review and improve this draft',
      output: { draft: 'Hello, I wanted to follow up...' },
    });
    assert.match(handoff.pickup_url, /\/api\/catch\/[0-9a-hjkmnp-tv-z]{36}$/);
    assert.equal(handoff.status, 'pending');
    // Agent B: pick up the baton and do the work
    const job = await baton.catch(handoff.pickup_url);
    assert.equal(job.task, 'Review and improve this draft');
    assert.deepEqual(job.output, { draft: 'Hello, I wanted to follow up...' });
    assert.equal(job.status, 'caught');
    // When done, mark it complete
    const done = await baton.done(job.baton_id, { output: { revised: 'Dear colleague, ...' } });
    assert.equal(done.status, 'done');
    const state = await baton.status(handoff.baton_id);
    assert.equal(state.status, 'done');
    assert.deepEqual(state.output, { revised: 'Dear colleague, ...' });
  });

  test('a baton patch given to done is applied by the relay and recorded with its stage', async () => {
    const baton = client();
    const start = createBaton({ goal: 'Add user auth' }, { stage: 'planner' });
    const handoff = await baton.pass({ task: 'Implement it', baton: start, to: 'implementer' });
    const job = await baton.catch(handoff.baton_id);
    assert.deepEqual(job.baton, start);
    const done = await baton.done(job.baton_id, {
      baton_patch: { decision_log: { add: ['Chose JWT over sessions'] } },
      stage: 'implementer',
    });
    assert.deepEqual(done.baton.decision_log, ['Chose JWT over sessions']);
    const last = done.baton.history.at(-1);
    assert.equal(last.stage, 'implementer');
    assert.match(last.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(render(done.baton).includes('- Chose JWT over sessions\n'));
  });

  test('a second catch is refused while the first holds the lease', async () => {
    const handoff = await client().pass({ task: 'Only once' });
    await client().catch(handoff.pickup_url);
    await rejects(client().catch(handoff.pickup_url), 409, 'already_caught');
  });

  test('done sends the lease token of this client, so re-delivered work is refused', async () => {
    const first = client();
    const second = client();
    const handoff = await first.pass({ task: 'Crash-prone work', lease_seconds: 1 });
    const a = await first.catch(handoff.baton_id);
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // the lease ends
    const b = await second.catch(handoff.baton_id);
    assert.notEqual(a.lease_token, b.lease_token);
    assert.equal(b.attempt, 2);
    await rejects(first.done(handoff.baton_id, { output: 'late' }), 409, 'stale_lease');
    const done = await second.done(handoff.baton_id, { output: 'on time' });
    assert.equal(done.output, 'on time');
  });

  test('wait resolves when another agent marks the handoff done', async () => {
    const passer = client();
    const handoff = await passer.pass({ task: 'Await me' });
    const waiting = passer.wait(handoff.baton_id, { timeout: 20 });
    const worker = client();
    await worker.catch(handoff.pickup_url);
    await worker.done(handoff.baton_id, { output: { result: 'Done!' } });
    const state = await waiting;
    assert.equal(state.status, 'done');
    assert.deepEqual(state.output, { result: 'Done!' });
  });

  test('listHandoffs finds the work addressed to an agent', async () => {
    const baton = client();
    const to = `lister-${Date.now()}`;
    const a = await baton.pass({ task: 'first', to });
    const b = await baton.pass({ task: 'second', to });
    await baton.pass({ task: 'someone else', to: `${to}-other` });
    const { handoffs } = await baton.listHandoffs({ to, status: 'pending' });
    assert.deepEqual(handoffs.map((h) => h.baton_id), [a.baton_id, b.baton_id]);
    await baton.catch(a.pickup_url);
    const pending = await baton.listHandoffs({ to, status: 'pending' });
    assert.deepEqual(pending.handoffs.map((h) => h.task), ['second']);
  });

  test('an idempotency key makes a retried pass return the first handoff', async () => {
    const baton = client();
    const key = `retry-${Date.now()}`;
    const one = await baton.pass({ task: 'Once' }, { idempotencyKey: key });
    const two = await baton.pass({ task: 'Once' }, { idempotencyKey: key });
    assert.equal(two.baton_id, one.baton_id);
    await rejects(baton.pass({ task: 'Different' }, { idempotencyKey: key }), 422, 'idempotency_mismatch');
  });

  test('relay failures are RelayErrors with the problem document', async () => {
    await rejects(client().catch('00000000-0000-4000-8000-000000000000'), 404, 'not_found');
    await rejects(new Baton('baton_wrong', { baseUrl: relay.url }).pass({ task: 'x' }), 401, 'unauthorized');
    await assert.rejects(client().pass({ task: 'x', baton: { goal: '' } }), (err) => {
      assert.equal(err.status, 422);
      assert.equal(err.code, 'invalid_baton');
      assert.deepEqual(err.errors.map((e) => [e.code, e.path]), [['empty', '/goal']]);
      return true;
    });
    await assert.rejects(client().pass({ output: 1 }), (err) => {
      assert.equal(err.code, 'invalid_request');
      assert.deepEqual(err.errors.map((e) => [e.code, e.path]), [['required', '/task']]);
      return true;
    });
  });

  test('an unreachable relay is a RelayError with status 0', async () => {
    const nowhere = new Baton('baton_x', { baseUrl: 'http://127.0.0.1:9' });
    await rejects(nowhere.status('anything'), 0, 'unreachable');
  });

  test('bad arguments are TypeErrors before any request', async () => {
    assert.throws(() => new Baton(''), TypeError);
    await assert.rejects(client().catch(''), TypeError);
  });
});
