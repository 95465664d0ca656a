// A typed four-stage hand-off: type-checked by `tsc -p examples` in the tests.
import {
  applyPatch,
  BatonError,
  createBaton,
  extractPatch,
  prompt,
  render,
  validate,
  verify,
  type Baton,
  type BatonPatch,
  type Issue,
} from 'baton-handoff';

let baton: Baton = createBaton(
  {
    goal: 'Add user auth',
    current_state: ['Routes created'],
    constraints: ['No breaking changes'],
    'x-ticket': { id: 'AUTH-42', priority: 1 },
  },
  { stage: 'planner' },
);

// What a model would answer after reading prompt(baton, 'implementer').
const instructions: string = prompt(baton, 'implementer');
const reply = 'Done.\n```json\n{"baton_patch": {"decision_log": {"add": ["JWT over sessions: stateless"]}}}\n```';
const patch: BatonPatch = extractPatch(reply);
baton = applyPatch(baton, patch, { stage: 'implementer' });

const tester: BatonPatch = {
  current_state: { add: ['Tests passing'], remove: ['Routes created'] },
  open_questions: null,
  'x-ticket': { priority: null },
};
baton = applyPatch(baton, tester, { stage: 'tester', at: '2026-01-31T12:00:00Z' });

const asText: string = applyPatch(baton, { acceptance: ['All auth tests green'] }, { stage: 'reviewer', json: true });

const report = validate(asText, { budget: 500 });
const problems: Issue[] = [...report.errors, ...report.warnings];
for (const { code, path, message } of problems) console.log(`${code} ${path}: ${message}`);

if (!verify(baton).ok) throw new Error('history does not replay');

try {
  applyPatch(baton, { decision_log: { add: [''] } }, { stage: 'reviewer' });
} catch (err) {
  if (err instanceof BatonError) {
    const first: Issue | undefined = err.errors[0];
    console.log(err.code, first?.path);
  }
}

const markdown: string = render(baton, { maxTokens: 800, history: true });
console.log(instructions.length, markdown);

// The types catch what the core would reject (tsc fails if these stop being errors).
// @ts-expect-error decision_log is append-only: null cannot empty it
const emptiesDecisions: BatonPatch = { decision_log: null };
// @ts-expect-error decision_log edits have no `remove`
const removesDecision: BatonPatch = { decision_log: { remove: ['JWT over sessions: stateless'] } };
// @ts-expect-error unknown members are not part of a patch
const unknownMember: BatonPatch = { goals: 'typo' };
// @ts-expect-error a stage is required
applyPatch(baton, {}, {});
console.log(emptiesDecisions, removesDecision, unknownMember);
