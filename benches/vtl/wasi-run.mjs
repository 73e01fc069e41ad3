// Runs a wasm32-wasip1 command module under Node's node:wasi (V8, the wasm runtime Envoy uses):
//   node --no-warnings wasi-run.mjs MODULE.wasm [ARGS...]
// The module sees ARGS as argv[1..], stdout/stderr as Node's; no environment, and no file system
// but WASI_PREOPEN's directory.
//
// bench-vtl links the main crate, whose proxy-wasm adapter brings proxy-wasm host imports (module
// "env") and a reactor's `_initialize` export. The bench never calls the host: the imports are
// stubs that throw, and only `_start` and `memory` are handed to node:wasi (which refuses a
// module exporting `_initialize`).
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const [file, ...args] = process.argv.slice(2);
// WASI_PREOPEN=DIR makes DIR readable as /work (benches/core-time reads its plugin configuration).
const preopens = process.env.WASI_PREOPEN ? { '/work': process.env.WASI_PREOPEN } : {};
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, returnOnExit: true, preopens });
const module = await WebAssembly.compile(await readFile(file));
const imports = wasi.getImportObject();
for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
  if (from !== 'wasi_snapshot_preview1' && kind === 'function') {
    imports[from] ??= {};
    imports[from][name] = () => { throw new Error(`host function ${from}.${name} called`); };
  }
}
const instance = await WebAssembly.instantiate(module, imports);
const { _start, memory } = instance.exports;
process.exitCode = wasi.start({ exports: { _start, memory } });
