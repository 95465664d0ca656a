// Browser and bundler entry: fetches the .wasm next to this package by URL
// (bundlers rewrite `new URL(..., import.meta.url)`), then every function is
// synchronous, as in Node.
import init from '../wasm/baton.js';

await init({ module_or_path: new URL('../wasm/baton_bg.wasm', import.meta.url) });

export * from './api.js';
export { BatonClient, BatonClient as default, RelayError } from './client.js';
