// Render speed of velocityjs (npm, pinned in package.json) on the templates of benches/vtl, for
// benches/vtl/run.sh. Stand-ins as in tests/velocity/Harness.java: $util.escapeJavaScript is
// commons-lang 2's, $util.urlEncode Java's URLEncoder (UTF-8), $input.path/json read the body
// (parsed once per render) with Harness.path's JSONPath ($, .name, ['name'], [n], [*]). The Java
// String methods a JavaScript string lacks or has with other rules (length(), contains,
// replace and replaceAll of every match, split by a regex) are custom method handlers.
//
// Each template is parsed and compiled once; a render builds a fresh context and renders. Per
// template: warm-up for warmup_ms, then `samples` timed samples of about sample_ms; median rate.
//
// Usage: node velocityjs-bench.mjs DIR [warmup_ms sample_ms samples]
// Prints one JSON line per template: {"engine", "template", "renders_per_s", "us_per_render", "output"}.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { parse, Compile } = require('velocityjs');

const NAMES = ['dynamodb-putitem', 'sqs-sendmessage', 'foreach-100', 'response-escape', 'input-path-100k', 'string-methods'];
const [dir, warmupMs = '1000', sampleMs = '200', samplesArg = '5'] = process.argv.slice(2);

const hex = (c, width) => c.toString(16).toUpperCase().padStart(width, '0');

// commons-lang 2 StringEscapeUtils.escapeJavaScript (UTF-16 units, as Java sees them).
function escapeJavaScript(s) {
  if (s == null) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) out += '\\u' + hex(c, 4);
    else if (c < 32) {
      switch (c) {
        case 8: out += '\\b'; break;
        case 9: out += '\\t'; break;
        case 10: out += '\\n'; break;
        case 12: out += '\\f'; break;
        case 13: out += '\\r'; break;
        default: out += '\\u' + hex(c, 4);
      }
    } else {
      const ch = s[i];
      out += ch === "'" || ch === '"' || ch === '\\' || ch === '/' ? '\\' + ch : ch;
    }
  }
  return out;
}

// java.net.URLEncoder.encode(s, "UTF-8").
const urlEncode = (s) => encodeURIComponent(s)
  .replace(/[!'()~]/g, (c) => '%' + hex(c.charCodeAt(0), 2))
  .replace(/%20/g, '+');

const util = { escapeJavaScript, urlEncode, parseJson: (s) => JSON.parse(s) };

const MISSING = Symbol('missing');

// Harness.path: `$`, `.name`, `['name']`, `[n]` (negative from the end), `[*]` and `.*`; a
// wildcard makes the result a list.
function select(doc, p) {
  if (!p.startsWith('$')) return MISSING;
  let cur = [doc];
  let multi = false;
  const children = (o) => (Array.isArray(o) ? o : o !== null && typeof o === 'object' ? Object.values(o) : []);
  const member = (o, k, next) => {
    if (o !== null && typeof o === 'object' && !Array.isArray(o) && Object.hasOwn(o, k)) next.push(o[k]);
  };
  let i = 1;
  while (i < p.length) {
    const next = [];
    if (p[i] === '.') {
      const st = ++i;
      while (i < p.length && p[i] !== '.' && p[i] !== '[') i++;
      const k = p.slice(st, i);
      for (const o of cur) {
        if (k === '*') { multi = true; next.push(...children(o)); } else member(o, k, next);
      }
    } else if (p[i] === '[') {
      const end = p.indexOf(']', i);
      const inner = p.slice(i + 1, end);
      i = end + 1;
      for (const o of cur) {
        if (inner.startsWith("'") || inner.startsWith('"')) member(o, inner.slice(1, -1), next);
        else if (inner === '*') { multi = true; next.push(...children(o)); } else if (Array.isArray(o)) {
          let n = Number.parseInt(inner.trim(), 10);
          if (n < 0) n += o.length;
          if (n >= 0 && n < o.length) next.push(o[n]);
        }
      }
    } else return MISSING;
    cur = next;
  }
  if (multi) return cur;
  return cur.length === 0 ? MISSING : cur[0];
}

function input(body) {
  let doc;
  const get = () => (doc === undefined ? (doc = JSON.parse(body || '{}')) : doc);
  return {
    body: body || '{}',
    path: (p) => { const v = select(get(), p); return v === MISSING ? undefined : v; },
    json: (p) => { const v = select(get(), p); return v === MISSING ? '' : JSON.stringify(v); },
  };
}

// Java String methods (UTF-16 units, as JavaScript strings): what velocityjs would otherwise
// resolve to a JavaScript method with other rules, or to no method at all.
const onString = (name, resolve) => ({
  uid: 'java-string: ' + name,
  match: ({ property, context }) => property === name && typeof context === 'string',
  resolve,
});
const javaStringMethods = [
  onString('length', ({ context }) => context.length),
  onString('contains', ({ context, params }) => context.includes(params[0])),
  // replace(CharSequence, CharSequence): every occurrence, literally.
  onString('replace', ({ context, params }) => context.split(params[0]).join(params[1])),
  onString('replaceAll', ({ context, params }) => context.replace(new RegExp(params[0], 'g'), params[1])),
  // split(regex): trailing empty strings removed.
  onString('split', ({ context, params }) => {
    const parts = context.split(new RegExp(params[0]));
    while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    return parts;
  }),
];

function render(template, body) {
  return template.render({
    context: { requestId: 'c0ffee00-0000-4000-8000-000000000000', stage: 'prod' },
    input: input(body),
    util,
    stageVariables: {},
  });
}

let sink = 0;
function runFor(template, body, ms) {
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(ms * 1e6));
  let n = 0;
  let now;
  do {
    for (let i = 0; i < 16; i++) sink += render(template, body).length;
    n += 16;
    now = process.hrtime.bigint();
  } while (now < end);
  return n / (Number(now - start) / 1e9);
}

for (const name of NAMES) {
  const source = readFileSync(join(dir, 'templates', name + '.vtl'), 'utf8');
  const body = readFileSync(join(dir, 'bodies', name + '.json'), 'utf8');
  const template = new Compile(parse(source), { escape: false, customMethodHandlers: javaStringMethods });
  const output = render(template, body);
  runFor(template, body, Number(warmupMs));
  const rates = [];
  for (let i = 0; i < Number(samplesArg); i++) rates.push(runFor(template, body, Number(sampleMs)));
  rates.sort((a, b) => a - b);
  const rate = rates[Math.floor(rates.length / 2)];
  console.log(JSON.stringify({ engine: 'velocityjs', template: name, renders_per_s: +rate.toFixed(1),
    us_per_render: +(1e6 / rate).toFixed(3), output }));
}
if (sink < 0) console.log(sink);
