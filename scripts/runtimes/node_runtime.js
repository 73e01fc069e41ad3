// A Node.js Lambda runtime for scripts/local_lambda.py: runs one function's handler, one invocation
// at a time, in its own process (its own environment, killed at its timeout, restarted when its
// code changes). Protocol: one JSON request per line on stdin, {"event", "context"}; one JSON answer
// per line on file descriptor 3, {"result": value} or {"error": {"errorType", "errorMessage",
// "trace"}} (the Node.js runtime's error payload). Handlers: async (a promise), or callback style
// (handler(event, context, callback)), CommonJS or ES modules (.mjs, or "type": "module").
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const util = require('util');
const { pathToFileURL } = require('url');

// What the function logs goes to stderr (make run's console); fd 3 carries the answers.
for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
  console[level] = (...args) => process.stderr.write(util.format(...args) + '\n');
}
const answer = (obj) => fs.writeSync(3, JSON.stringify(obj) + '\n');

function errorPayload(e) {
  if (e instanceof Error) {
    return { errorType: e.name || 'Error', errorMessage: e.message, trace: String(e.stack || '').split('\n') };
  }
  return { errorType: typeof e, errorMessage: typeof e === 'string' ? e : JSON.stringify(e), trace: [] };
}

async function load(root, handler) {
  const dot = handler.lastIndexOf('.');
  const file = handler.slice(0, dot);
  const name = handler.slice(dot + 1);
  const base = path.resolve(root, file);
  const found = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((p) => fs.existsSync(p));
  if (!found) {
    throw Object.assign(new Error(`Cannot find module '${file}'`), { name: 'Runtime.ImportModuleError' });
  }
  let esm = found.endsWith('.mjs');
  if (found.endsWith('.js')) {
    try { esm = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).type === 'module'; } catch (e) { esm = false; }
  }
  const mod = esm ? await import(pathToFileURL(found).href) : require(found);
  const fn = mod[name] !== undefined ? mod[name] : (mod.default || {})[name];
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`${file}.${name} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return fn;
}

function context(c) {
  const ctx = {
    functionName: c.functionName, functionVersion: c.functionVersion, invokedFunctionArn: c.invokedFunctionArn,
    memoryLimitInMB: c.memoryLimitInMB, awsRequestId: c.awsRequestId, logGroupName: c.logGroupName,
    logStreamName: c.logStreamName, callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, Math.floor(c.deadlineMs - Date.now())),
  };
  return ctx;
}

function invoke(fn, request) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      if (err !== undefined && err !== null) resolve({ error: errorPayload(err) });
      else resolve({ result: value === undefined ? null : value });
    };
    const ctx = context(request.context);
    ctx.done = finish;
    ctx.succeed = (v) => finish(null, v);
    ctx.fail = (e) => finish(e);
    try {
      const r = fn(request.event, ctx, finish);
      if (r && typeof r.then === 'function') r.then((v) => finish(null, v), (e) => finish(e || new Error('rejected')));
      else if (fn.length < 3) finish(null, null); // neither async nor callback style: the runtime answers null
    } catch (e) {
      finish(e);
    }
  });
}

async function main() {
  const root = process.env.LAMBDA_TASK_ROOT;
  let fn = null;
  let failure = null;
  const lines = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    const request = JSON.parse(line);
    if (!fn && !failure) {
      try { fn = await load(root, process.env._HANDLER); } catch (e) { failure = errorPayload(e); }
    }
    let out = failure ? { error: failure } : await invoke(fn, request);
    try { JSON.stringify(out); } catch (e) { out = { error: { errorType: 'Runtime.MarshalError', errorMessage: e.message, trace: [] } }; }
    answer(out);
  }
}

main();
