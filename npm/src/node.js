// Node entry: loads the wasm synchronously from the package, so every function
// is ready when `import` returns.
import { readFileSync } from 'node:fs';
import { initSync } from '../wasm/baton.js';

initSync({ module: readFileSync(new URL('../wasm/baton_bg.wasm', import.meta.url)) });

export * from './api.js';
export { BatonClient, BatonClient as default, RelayError } from './client.js';
