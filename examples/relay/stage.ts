// One TypeScript stage of the relay demo (scripts/relay-demo.sh): find the work
// addressed to this stage, catch it, answer (a scripted "model reply" with a
// fenced baton_patch), mark it done with the patch (the relay applies it with the
// core) and pass the patched baton to the next stage.
import { readFileSync } from 'node:fs';
import Baton, { estimateTokens, extractPatch, prompt, render } from 'baton-handoff';
import type { BatonPatch } from 'baton-handoff';

interface Step {
  stage: string;
  reply: string;
  next: string | null;
  next_task: string | null;
}

const pipeline = JSON.parse(readFileSync(new URL('../pipeline.json', import.meta.url), 'utf8')) as { stages: Step[] };
const name = process.argv[2] ?? '';
const number = pipeline.stages.findIndex((s) => s.stage === name) + 1;
const step = pipeline.stages[number - 1];
const token = process.env['BATON_TOKEN'];
if (step === undefined || token === undefined) throw new Error(`usage: BATON_TOKEN=... node stage.js <stage>; got ${name}`);

const relay = new Baton(token, { baseUrl: process.env['BATON_URL'] ?? 'http://127.0.0.1:7878' });
const { handoffs } = await relay.listHandoffs({ to: name, status: 'pending' });
const work = handoffs[0];
if (work === undefined) throw new Error(`${name}: no pending work addressed to ${name}`);

const job = await relay.catch(work.pickup_url);
if (job.baton === null) throw new Error(`${name}: the handoff carries no baton`);
const sent = prompt(job.baton, name); // what a real agent would send its model
const patch: BatonPatch = extractPatch(step.reply);
const done = await relay.done(job.baton_id, { output: { prompt_tokens: estimateTokens(sent) }, baton_patch: patch, stage: name });
if (done.baton === null) throw new Error(`${name}: done returned no baton`);

console.log(`=== stage ${number}/4: ${name} (TypeScript) caught ${job.baton_id}, patched it ===\n`);
console.log(render(done.baton));
if (step.next !== null && step.next_task !== null) {
  const next = await relay.pass(
    { task: step.next_task, baton: done.baton, to: step.next, output: { from: name } },
    { idempotencyKey: `demo-${name}` },
  );
  console.log(`--> passed to ${step.next}: ${next.pickup_url}\n`);
}
