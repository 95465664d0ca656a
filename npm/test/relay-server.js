// Starts a throwaway `baton serve` (the CLI built by cargo) on a free loopback
// port, for the client tests: on SQLite in a fresh data directory (the relay
// prints its first token on stdout), or on the PostgreSQL of
// `BATON_TEST_DATABASE_URL` with a token of a fresh workspace made by
// `baton token create`. It prints `baton: listening on http://ADDR` on stderr.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The storage backends to test on: SQLite always, PostgreSQL when one is given. */
export const backends = ['sqlite', ...(process.env.BATON_TEST_DATABASE_URL ? ['postgres'] : [])];

/** `{url, token, stop()}` once the relay is listening on `backend`; `flags` go to `baton serve`. */
export async function startRelay(backend = 'sqlite', flags = []) {
  const bin = process.env.BATON_BIN ?? join(root, 'target/debug/baton');
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-relay-'));
  let storage = ['--data-dir', dataDir];
  let given;
  if (backend === 'postgres') {
    storage = ['--database', process.env.BATON_TEST_DATABASE_URL];
    const made = execFileSync(bin, ['--json', 'token', 'create', '--workspace', `client-${randomUUID()}`, ...storage]);
    given = JSON.parse(made).token;
  }
  const child = spawn(bin, ['serve', '--listen', '127.0.0.1:0', ...storage, ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const ready = new Promise((resolve, reject) => {
    const check = () => {
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      const token = given ?? /^(baton_\S+)$/m.exec(stdout)?.[1];
      if (url && token) resolve({ url, token });
    };
    child.stdout.on('data', (chunk) => { stdout += chunk; check(); });
    child.stderr.on('data', (chunk) => { stderr += chunk; check(); });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`baton serve exited with ${code} before listening:\n${stderr}`)));
    setTimeout(() => reject(new Error(`baton serve did not start in 30 s:\n${stderr}`)), 30_000).unref();
  });
  const { url, token } = await ready;
  return {
    url,
    token,
    stop() {
      child.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
