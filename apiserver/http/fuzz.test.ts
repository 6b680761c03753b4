// A seeded fuzz of the HTTP layer, in-process over real TLS: hostile and malformed requests
// (methods, paths, queries, headers, bodies, patches, lying Content-Lengths) must each get an
// answer in time, never a 5xx (the one exception is upstream's 504 ResourceVersionTooLarge for a
// list at a future resourceVersion, counted apart), never a connection dropped without an
// answer, and every JSON error must be a Status. Objects created before the fuzz, in a namespace
// the fuzz names only inside path tricks a correct server does not resolve (`..`, `%2F`), must
// come out byte for byte unchanged. Each request has its own PRNG seeded from (seed, index), so a
// failing request is rebuilt from the two numbers printed. NODELET_FUZZ_SEED and
// NODELET_FUZZ_COUNT override the seed and the number of requests; NODELET_FUZZ_ONLY=i,j sends
// only those indices; NODELET_FUZZ_STORAGE=sqlite runs on SQLite instead of memory;
// NODELET_FUZZ_VERBOSE prints the most frequent answers.
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { pino } from 'pino';
import { stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, groupVersion, type ResourceInfo } from '../resources.ts';
import { ApiServer } from '../server.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import { createSqliteStorage } from '../storage/sqlite-storage.ts';
import { mulberry32 } from '../testing/mulberry32.ts';
import { sample } from '../testing/samples.ts';

type Obj = Record<string, unknown>;
type PathStep = string | number;

const SEED = Number(process.env['NODELET_FUZZ_SEED'] ?? 0x6e6f6465) >>> 0;
const COUNT = Number(process.env['NODELET_FUZZ_COUNT'] ?? 2500);
const ONLY = (process.env['NODELET_FUZZ_ONLY'] ?? '').split(',').filter((x) => x !== '').map(Number);
const CONCURRENCY = 6;
/** No answer within this long is a hang (generous: a 2-core machine under a parallel test run). */
const DEADLINE_MS = 10_000;
/** The fuzz namespace; CANARY_NS is never named by a generated request. */
const NS = 'fuzz';
const CANARY_NS = 'canary';

// ---- seeded randomness ------------------------------------------------------------------------

class Rng {
  private readonly next: () => number;
  constructor(seed: number, index: number) {
    this.next = mulberry32((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0);
  }
  float(): number { return this.next(); }
  int(n: number): number { return Math.floor(this.next() * n); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)] as T; }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function binding(name: string): Obj {
  return { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: 'fz-0' } };
}

function deleteOptions(rng: Rng): Obj {
  const o: Obj = { kind: 'DeleteOptions', apiVersion: 'v1' };
  if (rng.chance(0.5)) o['gracePeriodSeconds'] = rng.pick([0, 1, 30]);
  if (rng.chance(0.4)) o['propagationPolicy'] = rng.pick(['Background', 'Foreground', 'Orphan']);
  if (rng.chance(0.3)) o['preconditions'] = { uid: 'x', resourceVersion: '1' };
  if (rng.chance(0.2)) o['dryRun'] = ['All'];
  return o;
}

// ---- mutations --------------------------------------------------------------------------------

function paths(v: unknown, prefix: PathStep[] = [], out: PathStep[][] = []): PathStep[][] {
  if (Array.isArray(v)) {
    v.forEach((x, i) => { out.push([...prefix, i]); paths(x, [...prefix, i], out); });
  } else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) { out.push([...prefix, k]); paths(x, [...prefix, k], out); }
  }
  return out;
}

function getAt(root: unknown, path: readonly PathStep[]): unknown {
  let cur = root;
  for (const p of path) cur = (cur as Record<PathStep, unknown> | undefined)?.[p];
  return cur;
}

function setAt(root: unknown, path: readonly PathStep[], value: unknown): void {
  const parent = getAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (last !== undefined && typeof parent === 'object' && parent !== null) (parent as Record<PathStep, unknown>)[last] = value;
}

const SWAPS: readonly unknown[] = [0, 5, -1, 1.5, 1e300, 2 ** 53 + 2, '', 'x', '5', 'true', true, false, null, [], [1, 'a', null], {}, { a: 1 }, { '': [] }];

function jsonType(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

/** Replaces the value at a random path (1 to 3 of them) with one of another JSON type. */
function typeSwap(rng: Rng, obj: Obj): string {
  const all = paths(obj);
  const done: string[] = [];
  for (let n = 1 + rng.int(3); n > 0 && all.length > 0; n--) {
    const path = rng.pick(all);
    const old = getAt(obj, path);
    let value = rng.pick(SWAPS);
    for (let tries = 0; tries < 5 && jsonType(value) === jsonType(old); tries++) value = rng.pick(SWAPS);
    setAt(obj, path, structuredClone(value));
    done.push(`${path.join('.')}=${JSON.stringify(value)}`);
  }
  return `typeSwap ${done.join(' ')}`;
}

const WEIRD_STRINGS = ['', ' ', '..', 'a/b', '%', '\u0000', 'é', '😀', '\ud800', 'x'.repeat(70), 'x'.repeat(300), '1e999999999', '-1', '1e400', '0.0000000001m',
  '999999999999999999999999999999Ei', 'NaN', 'Infinity', '2024-13-45T99:99:99Z', 'garbage-time', 'true', 'Always', '0x10', ' 1', '1 ', 'a b', '$patch', 'kubernetes.io/', '/'];
const WEIRD_NUMBERS = [-1, 0, -0, 0.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 2 ** 53 + 2, 1e20, -1e20, 2 ** 63, 65536, 0o777 + 1];

/** Replaces string and number leaves (1 to 3) by odd values of the same JSON type. */
function oddLeaves(rng: Rng, obj: Obj): string {
  const leaves = paths(obj).filter((p) => { const v = getAt(obj, p); return typeof v === 'string' || typeof v === 'number'; });
  const done: string[] = [];
  for (let n = 1 + rng.int(3); n > 0 && leaves.length > 0; n--) {
    const path = rng.pick(leaves);
    const value = typeof getAt(obj, path) === 'string' ? rng.pick(WEIRD_STRINGS) : rng.pick(WEIRD_NUMBERS);
    setAt(obj, path, value);
    done.push(`${path.join('.')}=${JSON.stringify(value).slice(0, 40)}`);
  }
  return `odd ${done.join(' ')}`;
}

function addUnknown(rng: Rng, obj: Obj): string {
  const targets = [[], ...paths(obj).filter((p) => isObj(getAt(obj, p)))];
  const at = rng.pick(targets);
  const key = rng.pick(['unknownField', 'x-y', '', '$patch', '__proto__', 'constructor', 'metadata', 'ñ', 'a.b']);
  const parent = at.length === 0 ? obj : getAt(obj, at);
  if (isObj(parent)) Object.defineProperty(parent, key, { value: rng.pick(SWAPS), enumerable: true, writable: true, configurable: true });
  return `unknown ${[...at, key].join('.')}`;
}

function deep(rng: Rng): { text: string; depth: number } {
  const depth = rng.pick([64, 998, 999, 1000, 1001, 2000, 10_001, 100_000, 400_000]);
  const text = rng.chance(0.5) ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;
  return { text, depth };
}

const JSON_TYPES = ['application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8'];
const ODD_TYPES = [
  'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/merge-patch+json', 'text/plain', '', 'garbage/x', '*/*',
  'application/cbor', 'multipart/form-data; boundary=x', 'application/json;;;', 'APPLICATION/JSON', 'application/x-www-form-urlencoded',
  'application/apply-patch+yaml', 'application/json-patch+json', 'text/yaml', ';', 'application/vnd.kubernetes.protobuf;stream=watch',
];

interface Body {
  bytes?: Buffer;
  contentType?: string;
  note: string;
  /** Query parameters the body needs (an apply's fieldManager), appended to the target. */
  query?: string;
}

function jsonBody(value: unknown, note: string, rng: Rng): Body {
  const ct = rng.chance(0.9) ? rng.pick(JSON_TYPES) : rng.pick(ODD_TYPES);
  return { bytes: Buffer.from(JSON.stringify(value)), contentType: ct, note };
}

function toYaml(v: unknown, indent = ''): string {
  if (Array.isArray(v)) return v.length === 0 ? '[]' : v.map((x) => `\n${indent}- ${toYaml(x, `${indent}  `).trimStart()}`).join('');
  if (isObj(v)) {
    const keys = Object.keys(v);
    return keys.length === 0 ? '{}' : keys.map((k) => `\n${indent}${JSON.stringify(k)}: ${toYaml(v[k], `${indent}  `)}`).join('');
  }
  return JSON.stringify(v);
}

/** A body for POST/PUT of an object of r's kind: valid, or broken one of many ways. */
function objectBody(rng: Rng, r: ResourceInfo, ns: string, name: string): Body {
  const obj = sample(r, ns, name);
  const m = rng.float();
  if (m < 0.18) return jsonBody(obj, 'valid', rng);
  if (m < 0.48) return jsonBody(obj, typeSwap(rng, obj), rng);
  if (m < 0.58) return jsonBody(obj, oddLeaves(rng, obj), rng);
  if (m < 0.62) return jsonBody(obj, addUnknown(rng, obj), rng);
  if (m < 0.66) {
    const which = rng.pick(['kind', 'apiVersion', 'both']);
    if (which !== 'apiVersion') obj['kind'] = rng.pick(['Pod', 'ConfigMap', 'Status', 'List', 'PodList', '', 'pod', 'Eviction']);
    if (which !== 'kind') obj['apiVersion'] = rng.pick(['v1', 'v2', 'apps/v1', 'events.k8s.io/v1', '', 'coordination.k8s.io/v1', '/']);
    return jsonBody(obj, `wrong kind ${String(obj['kind'])} ${String(obj['apiVersion'])}`, rng);
  }
  if (m < 0.70) {
    const d = deep(rng);
    const where = rng.pick(['data', 'spec', 'x', 'metadata']);
    const text = `{"apiVersion":${JSON.stringify(obj['apiVersion'])},"kind":${JSON.stringify(obj['kind'])},"metadata":{"name":${JSON.stringify(name)}},${JSON.stringify(where)}:${d.text}}`;
    return { bytes: Buffer.from(text), contentType: 'application/json', note: `deep ${where} ${d.depth}` };
  }
  if (m < 0.73) return { bytes: Buffer.alloc(0), contentType: rng.pick(JSON_TYPES), note: 'empty' };
  if (m < 0.79) {
    const text = JSON.stringify(obj);
    const broken = rng.pick([
      text.slice(0, rng.int(text.length)), `${text}}`, text.replace(/"/, "'"), '\u0000\u0001\u0002', '{"a":1,}', '{"a" 1}',
      'nul', '\ufeff{}', '{"metadata":{"name":"\\ud800"}}', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"\\u0000"}}',
      '{"a":1e999}', '{"a":-0}', '{"__proto__":{"x":1}}', '{"metadata":{"name":"dup","name":"dup2"}}',
    ]);
    return { bytes: Buffer.from(broken), contentType: rng.pick(JSON_TYPES), note: 'invalid json' };
  }
  if (m < 0.84) {
    const yaml = rng.pick([
      toYaml(obj), `${toYaml(obj)}\n  bad: [`, 'a: &a [1,2]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      '--- 1\n--- 2', '- a\n- b', '!!binary x', 'metadata: {name: [1, 2]}', `kind: ${r.kind}\napiVersion: ${groupVersion(r)}\nmetadata:\n  name: 012\n`,
      `kind: ${r.kind}\nmetadata:\n  name: yes\n  labels: {a: no}\n`, '? [a]\n: b', '\t\t', 'a: !!js/function "x"',
    ]);
    return { bytes: Buffer.from(yaml), contentType: rng.pick(['application/yaml', 'application/x-yaml', 'text/yaml']), note: 'yaml' };
  }
  if (m < 0.86) {
    const junk = Buffer.alloc(rng.int(64));
    for (let i = 0; i < junk.length; i++) junk[i] = rng.int(256);
    const bytes = rng.chance(0.5) ? Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), junk]) : junk;
    return { bytes, contentType: 'application/vnd.kubernetes.protobuf', note: 'protobuf junk' };
  }
  if (m < 0.89) {
    const size = rng.pick([1 << 20, (2 << 20) + 1, 3 * 1024 * 1024 - 200, 3 * 1024 * 1024 + 10]);
    const where = rng.pick(['data', 'label', 'annotation', 'name']);
    const big = 'x'.repeat(size);
    const meta = isObj(obj['metadata']) ? obj['metadata'] : {};
    if (where === 'data') obj['data'] = { big };
    else if (where === 'label') meta['labels'] = { big };
    else if (where === 'annotation') meta['annotations'] = { big };
    else meta['name'] = big;
    return { bytes: Buffer.from(JSON.stringify(obj)), contentType: 'application/json', note: `huge ${where} ${size}` };
  }
  if (m < 0.92) {
    const v = rng.pick<unknown>([[], [obj], 'x', 5, true, null, {}]);
    return jsonBody(v, `top-level ${jsonType(v)}`, rng);
  }
  const all = paths(obj);
  for (let n = 1 + rng.int(4); n > 0; n--) setAt(obj, rng.pick(all), null);
  return jsonBody(obj, 'nulls', rng);
}

const APPLY_TYPE = 'application/apply-patch+yaml';
const PATCH_TYPES = ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json', APPLY_TYPE];

/**
 * A server-side apply body: the kind's sample (whole, partial or with swapped types, as JSON or
 * YAML) or a malformed one — not a map, broken YAML, repeated keys, another kind or version,
 * managedFields set, unknown fields, a uid or name of its own, deep nesting. Most carry a
 * fieldManager (apply requires one), some force.
 */
function applyBody(rng: Rng, r: ResourceInfo, obj: Obj, name: string): Body {
  const params = [rng.chance(0.9) ? `fieldManager=${rng.pick(['fuzz', 'kubectl', 'kubectl-client-side-apply', 'other'])}` : '', rng.chance(0.2) ? `force=${rng.pick(['true', 'false', ''])}` : ''];
  const query = params.filter((q) => q !== '').join('&');
  const text = (t: string, note: string): Body => ({ bytes: Buffer.from(t), contentType: APPLY_TYPE, note: `apply ${note}`, query });
  const m = rng.float();
  if (m < 0.45) {
    const applied = rng.chance(0.5) ? obj : { apiVersion: obj['apiVersion'], kind: obj['kind'], metadata: { name }, ...partialOf(rng, obj) };
    let note = 'config';
    const how = rng.float();
    if (how < 0.25) note = typeSwap(rng, applied);
    else if (how < 0.4) note = oddLeaves(rng, applied);
    return rng.chance(0.7) ? text(JSON.stringify(applied), note) : text(stringifyYaml(applied), `${note} yaml`);
  }
  const head = `apiVersion: ${groupVersion(r)}\nkind: ${r.kind}\nmetadata:\n  name: ${name}\n`;
  const broken = rng.pick([
    ['', 'empty'], ['null', 'null'], ['[1, 2]', 'list'], ['"text"', 'string'], ['5', 'number'], ['a: [', 'broken yaml'], ['{"a":', 'broken json'],
    [`${head}  labels: {a: "1", a: "2"}\n`, 'duplicate keys'], [`${head}  managedFields: []\n`, 'managedFields'],
    [`${head}unknownField: 1\n`, 'unknown field'], [`${head}  uid: "u-1"\n`, 'uid'], [`${head}  namespace: other\n`, 'other namespace'],
    [`apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n`, 'other kind'], [`apiVersion: ${r.group === '' ? 'v2' : `${r.group}/v9`}\nkind: ${r.kind}\n`, 'other version'],
    [`apiVersion: ${groupVersion(r)}\nkind: ${r.kind}\nmetadata:\n  name: other-name\n`, 'other name'], [`${head}spec: 5\n`, 'spec scalar'],
    [`${head}x: ${'['.repeat(rng.pick([100, 999, 1001]))}`, 'deep'], ['--- {}\n--- {}\n', 'two documents'], [`${head}  labels: *anchor\n`, 'alias'],
  ] as const);
  return text(broken[0], broken[1]);
}

function partialOf(rng: Rng, obj: Obj): Obj {
  const out: Obj = {};
  const all = paths(obj).filter((p) => typeof p[p.length - 1] === 'string' && p.every((s) => typeof s === 'string'));
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const path = rng.pick(all);
    let cur: Obj = out;
    for (const step of path.slice(0, -1)) {
      const next = cur[step];
      if (isObj(next)) cur = next;
      else { const fresh: Obj = {}; cur[step] = fresh; cur = fresh; }
    }
    cur[path[path.length - 1] as string] = structuredClone(getAt(obj, path));
  }
  return out;
}

function pointer(path: readonly PathStep[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** A PATCH body: merge, strategic (with directives) or JSON patch, valid or broken. */
function patchBody(rng: Rng, r: ResourceInfo, ns: string, name: string): Body {
  const obj = sample(r, ns, name);
  const ct = rng.chance(0.9) ? rng.pick(PATCH_TYPES) : rng.pick([...ODD_TYPES, 'application/json', 'application/apply-patch+cbor']);
  if (ct === APPLY_TYPE) return applyBody(rng, r, obj, name);
  if (ct === 'application/json-patch+json' && rng.chance(0.05)) {
    // two adds, each shallow enough to pass, that together nest twice as deep as allowed
    const d = rng.pick([400, 600, 997]);
    const value = `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`;
    const text = `[{"op":"add","path":"/x","value":${value}},{"op":"add","path":"/x${'/a'.repeat(d - 1)}","value":${value}}]`;
    return { bytes: Buffer.from(text), contentType: ct, note: `json patch nesting ${2 * d}` };
  }
  if (ct === 'application/json-patch+json') {
    const all = paths(obj);
    const ops: unknown[] = [];
    for (let n = rng.int(4); n >= 0; n--) {
      const path = rng.chance(0.9) ? pointer(rng.pick(all)) : rng.pick(['', '/', 'metadata', '/-', '/metadata/labels/-', '/spec/containers/99', '/spec/containers/-1', '/a~2b', '/metadata/name/x']);
      const op = rng.pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'junk', '']);
      const o: Obj = { op, path };
      if (rng.chance(0.8)) o['value'] = rng.chance(0.5) ? structuredClone(getAt(obj, rng.pick(all))) : rng.pick(SWAPS);
      if (rng.chance(op === 'move' || op === 'copy' ? 0.8 : 0.1)) o['from'] = pointer(rng.pick(all));
      if (rng.chance(0.05)) delete o['op'];
      if (rng.chance(0.05)) o['path'] = rng.pick(SWAPS);
      ops.push(o);
    }
    const body = rng.chance(0.9) ? ops : rng.pick<unknown>([{}, ops[0], 'x', null, [[]], [1]]);
    return { bytes: Buffer.from(JSON.stringify(body)), contentType: ct, note: `json patch ${JSON.stringify(body).slice(0, 200)}` };
  }
  const patch = partialOf(rng, obj);
  let note = 'merge';
  const how = rng.float();
  if (how < 0.3) note = typeSwap(rng, patch);
  else if (how < 0.45) note = oddLeaves(rng, patch);
  else if (how < 0.6) {
    const all = paths(patch);
    if (all.length > 0) setAt(patch, rng.pick(all), null);
    note = 'null';
  }
  if (ct === 'application/strategic-merge-patch+json' && rng.chance(0.5)) {
    const spec = isObj(patch['spec']) ? patch['spec'] : (patch['spec'] = {}) as Obj;
    const meta = isObj(patch['metadata']) ? patch['metadata'] : (patch['metadata'] = {}) as Obj;
    const d = rng.pick(['patch', 'retain', 'order', 'primitive', 'items', 'listdirective']);
    if (d === 'patch') patch['$patch'] = rng.pick(['delete', 'replace', 'merge', 'junk', 5, null]);
    else if (d === 'retain') spec['$retainKeys'] = rng.pick<unknown>([['containers'], 'x', 5, [5], null]);
    else if (d === 'order') spec['$setElementOrder/containers'] = rng.pick<unknown>([[{ name: 'c' }], 5, ['c'], [{}], null]);
    else if (d === 'primitive') meta['$deleteFromPrimitiveList/finalizers'] = rng.pick<unknown>([['x'], 5, 'x', [{}], null]);
    else if (d === 'items') spec['containers'] = rng.pick<unknown>([[5], [{ image: 'x' }], [{ name: 'c', $patch: 'delete' }], [{ $patch: 'replace' }], [null], [[]]]);
    else meta['ownerReferences'] = rng.pick<unknown>([[{ uid: 'u-1', $patch: 'delete' }], [{ $patch: 'junk', uid: 'x' }], [{ name: 'no-uid' }], [1]]);
    note += ` directive ${d}`;
  }
  const body = rng.chance(0.95) ? patch : rng.pick<unknown>([[], 'x', 5, null]);
  return { bytes: Buffer.from(JSON.stringify(body)), contentType: ct, note: `${ct.split('/')[1] ?? ''} ${note}` };
}

// ---- requests ---------------------------------------------------------------------------------

interface Spec {
  index: number;
  method: string;
  /** Request target: path and query. */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Sent over a raw TLS socket (lies, malformed framing, Upgrade, CONNECT). */
  raw?: { lie?: 'short' | 'long' | 'both-te-cl'; bytes?: Buffer };
  note: string;
}

const NAMESPACES = [NS, NS, NS, NS, NS, NS, NS, NS, NS, NS, NS, NS, NS, NS, NS, NS, 'default', 'kube-system', 'nope', 'FUZZ', 'a'.repeat(64), '..', '.', 'fuzz%2Fx', '%2e%2e', 'é', '%00', 'fuzz%20', ' '];
const NAMES = ['fz-0', 'fz-0', 'fz-0', 'fz-0', 'fz-0', 'fz-0', 'fz-1', 'fz-1', 'fz-1', 'fz-1', 'fz-1', 'fz-2', 'fz-2', 'fz-2', 'fz-2', 'fz-2', 'fz-2', 'fz-2', 'fz-3', 'fz-new', 'fz-new', 'fz-new', 'Fz', 'a'.repeat(254), 'x'.repeat(10_000), '..', '.', '%2e', 'a%2Fb', 'a%2F..%2F..%2Fcanary',
  '%E2%9C%93', '%F0%9F%98%80', '%D7%90', '%00', 'a%20b', "a'b", 'a"b', '%25', 'a;b', 'a,b', 'fz-0.', '-fz', 'fz-0%0A'];
const SUBRESOURCES = ['status', 'status', 'binding', 'log', 'exec', 'attach', 'portforward', 'eviction', 'finalize', 'proxy', 'junk', 'scale', 'ephemeralcontainers', 'resize'];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'POST', 'POST', 'PUT', 'PUT', 'PUT', 'PATCH', 'PATCH', 'PATCH', 'PATCH',
  'DELETE', 'DELETE', 'GET', 'POST', 'PUT', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'get', 'FOO'];

const QUERY_VALUES: Record<string, readonly string[]> = {
  watch: ['true', '1', 'True', 'False', '0', 'false', '', 'yes'],
  timeoutSeconds: ['1', '-1', '0', '99999999999999', '9223372036854775808', 'abc', '', '1.5', '+1'],
  limit: ['1', '0', '-1', '2', '500', 'abc', '99999999999999999999', '9223372036854775807'],
  continue: ['garbage', Buffer.from('{"rv":1e99,"start":5}').toString('base64url'), Buffer.from('{"rv":-1,"start":"/"}').toString('base64url'),
    Buffer.from('{"v":"meta.k8s.io/v1","rv":999999,"start":"/registry/pods/fuzz/fz-0"}').toString('base64url'), '', '%%', 'null'],
  resourceVersion: ['0', '', '1', '2', 'abc', '99999999999', '-1', '1.5', '18446744073709551616', '00', ' 1'],
  resourceVersionMatch: ['Exact', 'NotOlderThan', 'junk', '', 'exact'],
  labelSelector: ['app=fuzz', 'app in (a,b)', '!app', 'app notin ()', 'a=b,c!=d', '===', '(', 'x>1', 'x<a', `${'a'.repeat(100)}=b`, 'app=', ',', 'a in (b', '%%%', 'a=b=c', 'a.b/c=d', '!!a', 'a gt 1'],
  fieldSelector: ['metadata.name=fz-0', 'metadata.namespace!=x', 'spec.nodeName=', 'status.phase=Running', 'junk=1', 'metadata.name', '=', 'metadata.name==a,,', 'spec.unknown=1', 'involvedObject.kind=Pod', 'type=Normal', 'metadata.name=a\\,b'],
  dryRun: ['All', 'junk', '', 'all'],
  gracePeriodSeconds: ['0', '30', '-5', 'abc', '9223372036854775807', '99999999999999999999', '1e3', '3000000000'],
  propagationPolicy: ['Background', 'Foreground', 'Orphan', 'junk', ''],
  fieldManager: ['kubectl', '', 'x'.repeat(200), '\u0001', 'é'],
  fieldValidation: ['Strict', 'Warn', 'Ignore', 'junk', ''],
  allowWatchBookmarks: ['true', 'false', 'x'],
  sendInitialEvents: ['true', 'false', 'x'],
  includeObject: ['None', 'Object', 'Metadata', 'junk'],
  pretty: ['true', 'x'],
  container: ['c', '', 'nope'],
  tailLines: ['1', '-1', 'x'],
  command: ['sh', ''],
  stdin: ['true', 'x'],
  force: ['true'],
};

function query(rng: Rng): string {
  const parts: string[] = [];
  const names = Object.keys(QUERY_VALUES);
  for (let n = rng.int(5); n > 0; n--) {
    const name = rng.pick(names);
    const value = rng.pick(QUERY_VALUES[name] ?? ['']);
    parts.push(`${name}=${rng.chance(0.9) ? encodeURIComponent(value) : value.replace(/[^\x21-\x7e]/g, '')}`);
  }
  if (rng.chance(0.05)) parts.push(rng.pick(['%zz=1', '=', '&&', 'a=%', 'watch=true&watch=false', 'timeoutSeconds', '%00=%00', '+=+', 'limit=1&limit=x']));
  return parts.join('&');
}

function isWatch(target: string): boolean {
  const q = target.includes('?') ? target.slice(target.indexOf('?') + 1) : '';
  const w = new URLSearchParams(q).get('watch');
  return target.includes('/watch/') || (w !== null && w !== '0' && w.toLowerCase() !== 'false');
}

const ACCEPTS = [
  'application/json', '*/*', 'application/json;as=Table;v=v1;g=meta.k8s.io', 'application/json;as=Table;v=v1beta1;g=meta.k8s.io',
  'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io', 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io',
  'application/vnd.kubernetes.protobuf', 'application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io',
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', 'text/html', 'garbage', ';;;', 'application/json;as=Table;g=meta.k8s.io;v=v2',
  'application/yaml', 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io;q=0',
  'application/json;as="Table";v="v1";g="meta.k8s.io"', 'application/json;as=', 'application/json;=x',
];

function resourcePath(rng: Rng, r: ResourceInfo, withName: boolean, sub: string | undefined): { path: string; name: string } {
  const prefix = r.group === '' ? '/api/v1' : `/apis/${r.group}/v1`;
  const watch = rng.chance(0.05) ? '/watch' : '';
  const raw = rng.pick(NAMES);
  let name = rng.pick(['fz-0', 'fz-new', 'fz-1']);
  if (withName) {
    try { name = decodeURIComponent(raw); } catch { name = raw; }
  }
  const n = withName ? `/${raw}` : '';
  const s = sub === undefined ? '' : `/${sub}`;
  let path: string;
  if (r.namespaced) {
    path = rng.chance(0.12) ? `${prefix}${watch}/${r.resource}${n}${s}` : `${prefix}${watch}/namespaces/${rng.pick(NAMESPACES)}/${r.resource}${n}${s}`;
  } else {
    path = rng.chance(0.05) ? `${prefix}${watch}/namespaces/${rng.pick(NAMESPACES)}/${r.resource}${n}${s}` : `${prefix}${watch}/${r.resource}${n}${s}`;
  }
  return { path, name };
}

function resourceRequest(rng: Rng, index: number): Spec {
  const r = rng.pick(RESOURCES);
  const method = rng.pick(METHODS);
  const withName = rng.chance(method === 'POST' ? 0.25 : 0.65);
  const sub = withName && rng.chance(0.2) ? rng.pick(SUBRESOURCES) : undefined;
  const at = resourcePath(rng, r, withName, sub);
  const name = at.name;
  let target = at.path;
  const q = query(rng);
  if (q !== '') target += `?${q}`;
  if (isWatch(target) && !/timeoutSeconds=/.test(target) && rng.chance(0.8)) target += `${target.includes('?') ? '&' : '?'}timeoutSeconds=1`;
  const headers: Record<string, string> = {};
  if (rng.chance(0.5)) headers['Accept'] = rng.pick(ACCEPTS);
  let body: Body = { note: 'no body' };
  if (method === 'POST' && sub === 'binding') {
    const b = binding(name);
    body = jsonBody(b, rng.chance(0.5) ? 'binding' : typeSwap(rng, b), rng);
  } else if (method === 'POST' && sub === 'eviction') body = jsonBody({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name } }, 'eviction', rng);
  else if (method === 'POST' || method === 'PUT') body = objectBody(rng, r, NS, name);
  else if (method === 'PATCH') body = patchBody(rng, r, NS, name);
  else if (method === 'DELETE' && rng.chance(0.4)) {
    const opts = deleteOptions(rng);
    body = jsonBody(opts, rng.chance(0.4) ? typeSwap(rng, opts) : 'delete options', rng);
  } else if (rng.chance(0.03)) body = { bytes: Buffer.from('{"junk":'), contentType: 'application/json', note: 'junk body' };
  if (body.contentType !== undefined && rng.chance(0.97)) headers['Content-Type'] = body.contentType;
  if (body.query !== undefined && body.query !== '') target += `${target.includes('?') ? '&' : '?'}${body.query}`;
  if (rng.chance(0.05)) headers[rng.pick(['X-Junk', 'Impersonate-User', 'Expect', 'Transfer-Encoding-X', 'Accept-Encoding', 'Cookie'])] = rng.pick(['1', 'gzip', '100-continue', 'x'.repeat(4000), 'system:admin']);
  if (rng.chance(0.03)) headers['Authorization'] = rng.pick(['', 'Bearer nope', 'Basic YTpi', 'Bearer']);
  const spec: Spec = { index, method, target, headers, note: `${r.kind} ${body.note}` };
  if (body.bytes !== undefined) spec.body = body.bytes;
  if (rng.chance(0.05)) spec.raw = { lie: rng.pick(['short', 'long', 'both-te-cl'] as const) };
  return spec;
}

function nonResourceRequest(rng: Rng, index: number): Spec {
  const target = rng.pick([
    '/', '//', '/api', '/api/', '/apis', '/api/v1', '/api/v2', '/apis/coordination.k8s.io', '/apis/coordination.k8s.io/v1', '/apis/x/v1',
    '/apis/events.k8s.io/v2', '/openapi/v2', '/openapi/v3', '/openapi/v3/api/v1', '/openapi/v3/apis/x', '/version', '/version/', '/healthz',
    '/healthz?verbose', '/readyz?verbose&exclude=etcd', '/livez/ping', '/readyz/etcd', '/healthz/junk', '/metrics', '/api/v1/namespaces/fuzz/pods/../../../',
    '/api/v1/namespaces/fuzz/pods/%zz', '/%', '/api/v1/%', '/api/v1/namespaces/fuzz/pods/%E2%82', '/api/v1/watch', '/api/v1/watch/', '/apis//v1/leases',
    '/api/v1/namespaces/fuzz/pods/fz-0/status/extra/deep', '/api/v1/namespaces', '/api/v1/namespaces/fuzz/configmaps/fz-0/status',
    '/api/v1/namespaces/fuzz/pods/../../canary/pods/canary-pod', '/api/v1/namespaces/fuzz/../canary/configmaps/canary-cm',
    '/api/v1/namespaces/fuzz/configmaps/..%2F..%2Fcanary%2Fconfigmaps%2Fcanary-cm', '/api/v1/nodes/fz-0/proxy/x', '/logs', '/debug/pprof',
    `/api/v1/namespaces/fuzz/configmaps?${'labelSelector=a%3Db&'.repeat(2000)}`, `/${'a/'.repeat(3000)}`,
  ]);
  const method = rng.pick(METHODS);
  const headers: Record<string, string> = {};
  if (rng.chance(0.6)) headers['Accept'] = rng.pick(ACCEPTS);
  const spec: Spec = { index, method, target, headers, note: 'non-resource' };
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    spec.body = Buffer.from('{}');
    headers['Content-Type'] = rng.pick([...PATCH_TYPES, 'application/json']);
  }
  return spec;
}

/** Requests whose framing is broken or unusual: only a raw socket can send them. */
function rawRequest(rng: Rng, index: number, token: string): Spec {
  const auth = `Authorization: Bearer ${token}\r\n`;
  const path = rng.pick(['/api/v1/namespaces/fuzz/configmaps', '/api/v1/namespaces/fuzz/pods/fz-0/exec?command=sh&stdout=1', '/api/v1/namespaces/fuzz/pods/fz-0/log',
    '/api/v1/namespaces/fuzz/pods/fz-0/attach', '/api/v1/namespaces/fuzz/pods/fz-0/portforward?ports=80', '/version', '/api/v1/nodes/fz-0']);
  const cm = JSON.stringify(sample(RESOURCES.find((x) => x.resource === 'configmaps') as ResourceInfo, NS, 'fz-raw'));
  const kind = rng.pick(['upgrade', 'upgrade-post', 'connect', 'huge-header', 'many-headers', 'bad-chunk', 'http10', 'no-host', 'lf-only',
    'no-colon', 'absolute', 'asterisk', 'space-in-target', 'nul-header', 'obs-fold', 'bad-version', 'expect', 'te-gzip', 'bad-auth', 'no-auth']);
  let text: string;
  let kindNote: string = kind;
  switch (kind) {
    case 'upgrade': text = `GET ${path} HTTP/1.1\r\nHost: x\r\n${auth}Connection: Upgrade\r\nUpgrade: ${rng.pick(['websocket', 'SPDY/3.1', 'h2c', 'junk'])}\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n`; break;
    case 'upgrade-post': text = `POST /api/v1/namespaces/fuzz/configmaps HTTP/1.1\r\nHost: x\r\n${auth}Connection: Upgrade\r\nUpgrade: websocket\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(cm)}\r\n\r\n${cm}`; break;
    case 'connect': text = `CONNECT ${rng.pick(['127.0.0.1:80', path, '*'])} HTTP/1.1\r\nHost: x\r\n${rng.chance(0.5) ? auth : ''}\r\n`; break;
    case 'huge-header': text = `GET /version HTTP/1.1\r\nHost: x\r\n${auth}X-Big: ${'a'.repeat(rng.pick([60_000, (1 << 20) + 10]))}\r\nConnection: close\r\n\r\n`; break;
    case 'many-headers': text = `GET /api/v1/namespaces/fuzz/configmaps HTTP/1.1\r\nHost: x\r\n${auth}${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join('')}Connection: close\r\n\r\n`; break;
    case 'bad-chunk': {
      const chunked = rng.pick(['zz\r\n{}\r\n0\r\n\r\n', '5\r\n{}\r\n0\r\n\r\n', `${cm.length.toString(16)}\r\n${cm}\r\n0\r\n\r\n`, 'ffffffffffffffff\r\n{}\r\n']);
      // a chunk of 2^64-1 bytes promised and never sent: waiting for it is the right answer
      if (chunked.startsWith('ffff')) kindNote = 'bad-chunk ffffffffffffffff';
      text = `POST /api/v1/namespaces/fuzz/configmaps HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked}`;
      break;
    }
    case 'http10': text = `GET /api/v1/namespaces/fuzz/configmaps HTTP/1.0\r\n${auth}\r\n`; break;
    case 'no-host': text = `GET /api/v1/namespaces/fuzz/configmaps HTTP/1.1\r\n${auth}Connection: close\r\n\r\n`; break;
    case 'lf-only': text = `GET /version HTTP/1.1\nHost: x\n${auth.replace('\r\n', '\n')}Connection: close\n\n`; break;
    case 'no-colon': text = `GET /version HTTP/1.1\r\nHost: x\r\n${auth}NoColonHere\r\nConnection: close\r\n\r\n`; break;
    case 'absolute': text = `GET https://127.0.0.1/api/v1/namespaces/fuzz/configmaps/fz-0 HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`; break;
    case 'asterisk': text = `OPTIONS * HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`; break;
    case 'space-in-target': text = `GET /api/v1/namespaces/fuzz/configmaps/a b HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`; break;
    case 'nul-header': text = `GET /version HTTP/1.1\r\nHost: x\r\n${auth}X-A: a\u0000b\r\nConnection: close\r\n\r\n`; break;
    case 'obs-fold': text = `GET /version HTTP/1.1\r\nHost: x\r\n${auth}X-A: a\r\n  folded\r\nConnection: close\r\n\r\n`; break;
    case 'bad-version': text = `GET /version HTTP/9.9\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`; break;
    case 'expect': text = `POST /api/v1/namespaces/fuzz/configmaps HTTP/1.1\r\nHost: x\r\n${auth}Expect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(cm)}\r\nConnection: close\r\n\r\n${cm}`; break;
    case 'te-gzip': text = `POST /api/v1/namespaces/fuzz/configmaps HTTP/1.1\r\nHost: x\r\n${auth}Content-Encoding: gzip\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(cm)}\r\nConnection: close\r\n\r\n${cm}`; break;
    case 'bad-auth': text = `GET /api/v1/namespaces/fuzz/configmaps HTTP/1.1\r\nHost: x\r\nAuthorization: ${rng.pick(['Bearer', 'Bearer ', 'Basic YTpi', 'Bearer a b', `Bearer ${token}x`, 'bearer   ' + token])}\r\nConnection: close\r\n\r\n`; break;
    default: text = `${rng.pick(['GET', 'DELETE', 'PATCH'])} ${rng.pick([path, '/api/v1/namespaces/fuzz/configmaps/fz-0', '/healthz', '/version'])} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
  }
  return { index, method: text.slice(0, text.indexOf(' ')), target: path, headers: {}, raw: { bytes: Buffer.from(text, 'latin1') }, note: `raw ${kindNote}` };
}

function generate(seed: number, index: number, token: string): Spec {
  const rng = new Rng(seed, index);
  const roll = rng.float();
  if (roll < 0.06) return nonResourceRequest(rng, index);
  if (roll < 0.11) return rawRequest(rng, index, token);
  return resourceRequest(rng, index);
}

// ---- transport --------------------------------------------------------------------------------

type Outcome =
  | { kind: 'response'; code: number; headers: IncomingHttpHeaders; body: Buffer; streamed: boolean; ms: number }
  | { kind: 'dropped'; error: string; ms: number }
  | { kind: 'hang'; ms: number }
  /** A request that promised more body than it sent: the server rightly waits for it. */
  | { kind: 'waiting' };

let server: ApiServer;
let ca: string;
let token: string;
let agent: Agent;
let dataDir: string | undefined;
const serverErrors: string[] = [];

function viaHttp(spec: Spec, fresh = false): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, ...spec.headers };
    if (headers['Authorization'] === '') delete headers['Authorization']; // anonymous
    // a HEAD of a watch ends for the client at once but holds the connection until the watch
    // ends on the server: never put another request behind it
    if (spec.method === 'HEAD') headers['Connection'] = 'close';
    let req: ReturnType<typeof httpsRequest>;
    try {
      req = httpsRequest({ host: '127.0.0.1', port: server.port, method: spec.method, path: spec.target, ca, headers, agent: fresh ? false : agent }, (res) => {
        const chunks: Buffer[] = [];
        const streamed = res.headers['transfer-encoding'] === 'chunked' && (res.statusCode ?? 0) < 300;
        const finish = (): void => {
          done({ kind: 'response', code: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), streamed, ms: Date.now() - started });
        };
        if (streamed) {
          // a watch (or any stream): take what comes in the first moments, then hang up
          setTimeout(() => { finish(); req.destroy(); }, 30);
        }
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', finish);
        res.on('error', finish);
        res.on('aborted', finish);
      });
    } catch (err) {
      // the client library refused to send it (an invalid header or path): not the server's doing
      resolve({ kind: 'response', code: 0, headers: {}, body: Buffer.from(String(err)), streamed: false, ms: 0 });
      return;
    }
    const timer = setTimeout(() => { done({ kind: 'hang', ms: Date.now() - started }); req.destroy(); }, DEADLINE_MS);
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!fresh && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
        // the keep-alive socket was closed under us: ask again on a fresh one
        clearTimeout(timer);
        settled = true;
        void viaHttp(spec, true).then(resolve);
        return;
      }
      done({ kind: 'dropped', error: err.code ?? err.message, ms: Date.now() - started });
    });
    req.end(spec.body);
  });
}

function rawBytes(spec: Spec): Buffer {
  if (spec.raw?.bytes !== undefined) return spec.raw.bytes;
  const body = spec.body ?? Buffer.alloc(0);
  const lie = spec.raw?.lie;
  const lines = [`${spec.method} ${spec.target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, ...spec.headers };
  for (const [k, v] of Object.entries(headers)) if (!(k === 'Authorization' && v === '')) lines.push(`${k}: ${v}`);
  if (lie === undefined) {
    if (body.length > 0) lines.push(`Content-Length: ${body.length}`);
  } else if (lie === 'short') lines.push(`Content-Length: ${Math.max(0, body.length - 1 - Math.floor(body.length / 2))}`);
  else if (lie === 'long') lines.push(`Content-Length: ${body.length + 10}`);
  else {
    lines.push(`Content-Length: ${body.length}`);
    lines.push('Transfer-Encoding: chunked');
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), body]);
}

interface Parsed { code: number; headers: IncomingHttpHeaders; body: Buffer; complete: boolean }

function parseRaw(buf: Buffer, head: boolean): Parsed | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (m === null) return { code: -1, headers: {}, body: buf, complete: true };
  const headers: IncomingHttpHeaders = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const code = Number(m[1]);
  const rest = buf.subarray(end + 4);
  if (code >= 100 && code < 200 && code !== 101) return rest.length === 0 ? undefined : parseRaw(rest, head);
  if (head || code === 204 || code === 304 || code < 200) return { code, headers, body: Buffer.alloc(0), complete: true };
  if (headers['transfer-encoding'] === 'chunked') {
    const out: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = rest.indexOf('\r\n', at);
      if (eol < 0) return { code, headers, body: Buffer.concat(out), complete: false };
      const size = parseInt(rest.subarray(at, eol).toString('latin1'), 16);
      if (size === 0) return { code, headers, body: Buffer.concat(out), complete: true };
      if (rest.length < eol + 2 + size) return { code, headers, body: Buffer.concat(out), complete: false };
      out.push(rest.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }
  const cl = headers['content-length'];
  if (typeof cl === 'string') {
    const n = Number(cl);
    return { code, headers, body: rest.subarray(0, n), complete: rest.length >= n };
  }
  return { code, headers, body: rest, complete: false };
}

function viaRaw(spec: Spec): Promise<Outcome> {
  const started = Date.now();
  const bytes = rawBytes(spec);
  // a body-reading request that promised more than it sent: no answer is the right answer
  const mayWait = (spec.raw?.lie === 'long' && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(spec.method)) || spec.note === 'raw bad-chunk ffffffffffffffff';
  return new Promise((resolve) => {
    let settled = false;
    const chunks: Buffer[] = [];
    const s = tlsConnect({ host: '127.0.0.1', port: server.port, ca, servername: 'localhost' }, () => { s.write(bytes); });
    const finish = (ended: boolean): void => {
      if (settled) return;
      const buf = Buffer.concat(chunks);
      const p = parseRaw(buf, spec.method === 'HEAD');
      if (p === undefined) {
        if (!ended) return;
        settled = true;
        resolve({ kind: 'dropped', error: buf.length === 0 ? 'closed without an answer' : `unparsable answer ${JSON.stringify(buf.toString('latin1').slice(0, 80))}`, ms: Date.now() - started });
      } else if (p.complete || ended) {
        settled = true;
        const streamed = !p.complete || (p.headers['transfer-encoding'] === 'chunked' && p.code < 300);
        resolve({ kind: 'response', code: p.code, headers: p.headers, body: p.body, streamed, ms: Date.now() - started });
      } else {
        return;
      }
      clearTimeout(timer);
      s.destroy();
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      resolve(mayWait && parseRaw(Buffer.concat(chunks), false) === undefined ? { kind: 'waiting' } : { kind: 'hang', ms: Date.now() - started });
      s.destroy();
    }, mayWait ? 300 : DEADLINE_MS);
    s.on('data', (c: Buffer) => { chunks.push(c); finish(false); });
    s.on('end', () => { finish(true); });
    s.on('close', () => { finish(true); });
    s.on('error', () => { finish(true); });
  });
}

async function send(spec: Spec): Promise<Outcome> {
  const o = spec.raw === undefined ? await viaHttp(spec) : await viaRaw(spec);
  // the client library refused to send it (a header or path it thinks invalid): send it raw
  if (o.kind === 'response' && o.code === 0 && spec.raw === undefined) return viaRaw({ ...spec, raw: {} });
  // Node's client could not parse the answer (e.g. a 400 with a body for a HEAD the server could
  // not even parse as HEAD): look at the raw bytes instead
  if (o.kind === 'dropped' && o.error.startsWith('HPE_') && spec.raw === undefined) return viaRaw({ ...spec, raw: {} });
  // a HEAD answer has no body: a 5xx is judged by the same request as a GET
  if (o.kind === 'response' && o.code >= 500 && spec.method === 'HEAD') return send({ ...spec, method: 'GET' });
  return o;
}

// ---- invariants -------------------------------------------------------------------------------

interface Failure {
  cls: string;
  spec: Spec;
  detail: string;
}

function normalize(message: string): string {
  return message.replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/\d+/g, 'N').slice(0, 140);
}

function isTooLarge(status: Obj): boolean {
  const details = isObj(status['details']) ? status['details'] : {};
  const causes = Array.isArray(details['causes']) ? details['causes'] as unknown[] : [];
  return status['reason'] === 'Timeout' && causes.some((c) => isObj(c) && c['reason'] === 'ResourceVersionTooLarge');
}

interface Tally {
  answered: number;
  byCode: Map<number, number>;
  tooLarge: number;
  waiting: number;
  streams: number;
  slowest: number;
  /** Type-swapped bodies the server took (2xx): upstream's decoder would refuse most of them. */
  acceptedSwaps: string[];
  /** Error answers that are not JSON, by code and content type. */
  plainErrors: Map<string, number>;
  plainExamples: Map<string, string>;
  /** Status answers by code and message (NODELET_FUZZ_VERBOSE prints the most frequent). */
  messages: Map<string, number>;
}

/** Checks one answer; returns what is wrong with it, if anything. */
function check(spec: Spec, o: Outcome, tally: Tally): Failure | undefined {
  if (o.kind === 'waiting') {
    tally.waiting++;
    return undefined;
  }
  if (o.kind === 'hang') return { cls: `hang ${spec.method} ${spec.note.split(' ')[0] ?? ''}`, spec, detail: `no answer in ${o.ms} ms` };
  if (o.kind === 'dropped') return { cls: `dropped (${o.error.slice(0, 40)})`, spec, detail: o.error };
  tally.answered++;
  tally.slowest = Math.max(tally.slowest, o.ms);
  tally.byCode.set(o.code, (tally.byCode.get(o.code) ?? 0) + 1);
  if (o.code === 0) return undefined; // refused by the client library
  if (o.code === -1) return { cls: 'not HTTP', spec, detail: o.body.toString('latin1').slice(0, 200) };
  if (o.streamed) tally.streams++;
  const ct = o.headers['content-type'] ?? '';
  const text = o.body.toString('utf8');
  const show = `${o.code} ${ct} ${text.slice(0, 300)}`;
  let parsed: unknown;
  if (ct.includes('json') && !o.streamed && spec.method !== 'HEAD' && spec.method !== 'head') {
    try {
      parsed = JSON.parse(text);
    } catch {
      return { cls: `unparsable JSON (${o.code})`, spec, detail: show };
    }
  }
  if (o.code < 300) {
    if (/typeSwap .*=(?!null( |$))/.test(spec.note) && spec.method !== 'DELETE') tally.acceptedSwaps.push(`${spec.method} ${spec.target.split('?')[0] ?? ''} ${spec.note}`);
    return undefined;
  }
  if (spec.method === 'HEAD') return undefined; // a 5xx to a HEAD is judged by the GET send() asks next
  if (parsed === undefined) {
    // only JSON answers must be Status objects (Node's own 400/417 answers to broken framing, and
    // /healthz's 404, are plain text, as Go's server and kube-apiserver answer them)
    if (!ct.includes('json')) {
      const k = `${o.code} ${ct.split(';')[0] ?? ''}`;
      tally.plainErrors.set(k, (tally.plainErrors.get(k) ?? 0) + 1);
      if (!tally.plainExamples.has(k)) tally.plainExamples.set(k, `${spec.method} ${spec.target.slice(0, 100)} (${spec.note}) -> ${JSON.stringify(text.slice(0, 80))}`);
    }
    return undefined;
  }
  if (!isObj(parsed)) return { cls: `error body not an object (${o.code})`, spec, detail: show };
  const st = parsed;
  const key = `${o.code} ${normalize(String(st['message'])).slice(0, 90)}`;
  tally.messages.set(key, (tally.messages.get(key) ?? 0) + 1);
  if (o.code === 504 && isTooLarge(st)) {
    tally.tooLarge++;
    return undefined;
  }
  if (o.code >= 500) return { cls: `${o.code} ${String(st['reason'])}: ${normalize(String(st['message']))}`, spec, detail: show };
  const missing: string[] = [];
  if (st['kind'] !== 'Status') missing.push('kind');
  if (st['apiVersion'] !== 'v1') missing.push('apiVersion');
  if (st['code'] !== o.code) missing.push('code');
  if (typeof st['reason'] !== 'string' || st['reason'] === '') missing.push('reason');
  if (typeof st['message'] !== 'string' || st['message'] === '') missing.push('message');
  if (st['status'] !== 'Failure') missing.push('status');
  if (missing.length > 0) return { cls: `Status without ${missing.join(',')} (${o.code})`, spec, detail: show };
  return undefined;
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n)}… (${s.length} chars)`;
}

function reproduction(f: Failure, seed: number): string {
  const s = f.spec;
  const body = s.raw?.bytes !== undefined ? s.raw.bytes.toString('latin1') : s.body?.toString('utf8') ?? '';
  return [
    `  [${f.cls}] seed=${seed} index=${s.index} (${s.note.slice(0, 160)})`,
    `    ${s.method} ${clip(s.target, 240)}${s.raw?.lie === undefined ? '' : ` [Content-Length lie: ${s.raw.lie}]`}${s.raw?.bytes === undefined ? '' : ' [raw]'}`,
    ...Object.entries(s.headers).map(([k, v]) => `    ${k}: ${clip(v, 120)}`),
    body === '' ? '' : `    body: ${clip(JSON.stringify(body), 400)}`,
    `    -> ${clip(f.detail, 400)}`,
  ].filter((l) => l !== '').join('\n');
}

// ---- the test ---------------------------------------------------------------------------------

async function must(method: string, target: string, body?: unknown): Promise<string> {
  const spec: Spec = { index: -1, method, target, headers: body === undefined ? {} : { 'Content-Type': 'application/json' }, note: 'setup' };
  if (body !== undefined) spec.body = Buffer.from(JSON.stringify(body));
  const o = await viaHttp(spec, true);
  if (o.kind !== 'response' || o.code >= 300) throw new Error(`${method} ${target} failed: ${JSON.stringify(o.kind === 'response' ? o.body.toString() : o)}`);
  return o.body.toString('utf8');
}

function resourceOf(resource: string, group = ''): ResourceInfo {
  return RESOURCES.find((r) => r.resource === resource && r.group === group) as ResourceInfo;
}

beforeAll(async () => {
  const log = pino({ level: 'error' }, { write: (line: string) => { serverErrors.push(line); } });
  if (process.env['NODELET_FUZZ_STORAGE'] === 'sqlite') dataDir = mkdtempSync(join(tmpdir(), 'nodelet-fuzz-'));
  const storage = dataDir === undefined ? createMemoryStorage({ historySize: 200 }) : createSqliteStorage(join(dataDir, 'state.db'), { historySize: 200 });
  server = await ApiServer.start({ storage, log, minRequestTimeoutSeconds: 1, bookmarkIntervalMs: 100 });
  ca = server.credentials.caCert;
  token = server.credentials.adminToken;
  agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  for (const ns of [NS, CANARY_NS]) await must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  // objects for the fuzz to find: every kind, names fz-0..fz-2
  for (const r of RESOURCES) {
    const base = r.group === '' ? '/api/v1' : `/apis/${r.group}/v1`;
    const coll = r.namespaced ? `${base}/namespaces/${NS}/${r.resource}` : `${base}/${r.resource}`;
    for (const name of ['fz-0', 'fz-1', 'fz-2']) {
      // both Event versions share one store: the core version makes fz-0 and fz-1, events.k8s.io fz-2
      if (r.resource === 'events' && (r.group === 'events.k8s.io') !== (name === 'fz-2')) continue;
      await must('POST', coll, sample(r, NS, name));
    }
  }
});

afterAll(async () => {
  agent.destroy();
  await server.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

/** Runs specs with a bounded number in flight; returns the failures. */
async function run(next: () => Spec | undefined, tally: Tally): Promise<Failure[]> {
  const failures: Failure[] = [];
  const worker = async (): Promise<void> => {
    for (let spec = next(); spec !== undefined; spec = next()) {
      const f = check(spec, await send(spec), tally);
      if (f !== undefined) failures.push(f);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
  return failures;
}

function newTally(): Tally {
  return { answered: 0, byCode: new Map(), tooLarge: 0, waiting: 0, streams: 0, slowest: 0, acceptedSwaps: [], plainErrors: new Map(), plainExamples: new Map(), messages: new Map() };
}

function report(failures: Failure[], seed: number): string {
  const classes = new Map<string, Failure[]>();
  for (const f of failures) classes.set(f.cls, [...(classes.get(f.cls) ?? []), f]);
  const out = [`${failures.length} failing requests in ${classes.size} classes (seed=${seed}; rerun with NODELET_FUZZ_SEED=${seed}):`];
  for (const [, fs] of [...classes].sort((a, b) => b[1].length - a[1].length)) {
    const first = fs[0] as Failure;
    out.push(`${reproduction(first, seed)}\n    (${fs.length} requests in this class)`);
  }
  return out.join('\n');
}

describe('HTTP fuzz', () => {
  it(`answers ${COUNT} hostile requests in time, without a 5xx, always with a Status, and leaves other objects alone`, async () => {
    const canaryPod = sample(resourceOf('pods'), CANARY_NS, 'canary-pod');
    const canaryCm = sample(resourceOf('configmaps'), CANARY_NS, 'canary-cm');
    await must('POST', `/api/v1/namespaces/${CANARY_NS}/pods`, canaryPod);
    await must('POST', `/api/v1/namespaces/${CANARY_NS}/configmaps`, canaryCm);
    const before = [await must('GET', `/api/v1/namespaces/${CANARY_NS}/pods/canary-pod`), await must('GET', `/api/v1/namespaces/${CANARY_NS}/configmaps/canary-cm`)];

    const logged = serverErrors.length;
    const started = Date.now();
    const tally = newTally();
    const indices = ONLY.length > 0 ? ONLY : Array.from({ length: COUNT }, (_, k) => k);
    let i = 0;
    const failures = await run(() => (i < indices.length ? generate(SEED, indices[i++] as number, token) : undefined), tally);
    const seconds = (Date.now() - started) / 1000;

    for (const line of serverErrors.slice(logged)) {
      const e = JSON.parse(line) as { msg?: string; method?: string; url?: string; err?: { message?: string } };
      if (e.err?.message?.startsWith('Timeout: Too large resource version') === true) continue; // the documented 504
      failures.push({ cls: `server logged: ${normalize(`${e.msg ?? ''} ${e.err?.message ?? ''}`)}`, spec: { index: -1, method: e.method ?? '?', target: e.url ?? '?', headers: {}, note: 'from the server log' }, detail: line.slice(0, 400) });
    }
    const after = await Promise.all([`/api/v1/namespaces/${CANARY_NS}/pods/canary-pod`, `/api/v1/namespaces/${CANARY_NS}/configmaps/canary-cm`]
      .map((p) => must('GET', p).catch((err: unknown) => String(err))));
    const codes = [...tally.byCode].sort((a, b) => a[0] - b[0]).map(([c, n]) => `${c}:${n}`).join(' ');
    console.log(`fuzz seed=${SEED} requests=${indices.length} answered=${tally.answered} in ${seconds.toFixed(1)} s (slowest ${tally.slowest} ms); codes ${codes}; ` +
      `504 ResourceVersionTooLarge=${tally.tooLarge}; streams=${tally.streams}; waiting-for-body=${tally.waiting}; type-swapped bodies accepted=${tally.acceptedSwaps.length}; ` +
      `plain-text errors ${[...tally.plainErrors].map(([k, n]) => `${k}:${n}`).join(' ')}`);
    if (process.env['NODELET_FUZZ_VERBOSE'] !== undefined) {
      console.log([...tally.messages].sort((a, b) => b[1] - a[1]).slice(0, 60).map(([m, n]) => `${n}\t${m}`).join('\n'));
      console.log(tally.acceptedSwaps.slice(0, 50).join('\n'));
      console.log([...tally.plainExamples].map(([k, v]) => `${k}: ${v}`).join('\n'));
    }
    expect(failures.length, report(failures, SEED)).toBe(0);
    expect(after[0], 'the canary Pod changed').toBe(before[0]);
    expect(after[1], 'the canary ConfigMap changed').toBe(before[1]);
  }, 120_000);

  it('replays the requests that once broke the server', async () => {
    const logged = serverErrors.length;
    const failed: string[] = [];
    for (const c of REGRESSIONS) {
      const headers: Record<string, string> = {};
      let body: Buffer | undefined;
      if (c.text !== undefined || c.body !== undefined) {
        body = Buffer.from(c.text ?? JSON.stringify(c.body));
        headers['Content-Type'] = c.contentType ?? 'application/json';
      }
      const spec: Spec = { index: -1, method: c.method, target: c.path, headers, note: c.name };
      if (body !== undefined) spec.body = body;
      const o = await send(spec);
      if (o.kind !== 'response') {
        failed.push(`${c.name}: ${o.kind}`);
        continue;
      }
      const st = (o.body.length > 0 ? JSON.parse(o.body.toString('utf8')) : {}) as { reason?: string; message?: string; details?: { causes?: { field?: string }[] } };
      const problems: string[] = [];
      if (o.code !== c.expect.code) problems.push(`code ${o.code}`);
      if (c.expect.reason !== undefined && st.reason !== c.expect.reason) problems.push(`reason ${String(st.reason)}`);
      const m = c.expect.message;
      if (m !== undefined && !(typeof m === 'string' ? st.message === m : m.test(st.message ?? ''))) problems.push(`message ${JSON.stringify(st.message)}`);
      if (c.expect.field !== undefined && st.details?.causes?.[0]?.field !== c.expect.field) problems.push(`field ${JSON.stringify(st.details?.causes)}`);
      if (problems.length > 0) failed.push(`${c.name}: ${problems.join('; ')}`);
    }

    // a body cut short by the client is the client's problem: no 500 in the log
    const s = tlsConnect({ host: '127.0.0.1', port: server.port, ca, servername: 'localhost' });
    await new Promise<void>((resolve) => { s.once('secureConnect', () => { resolve(); }); });
    s.write(`POST /api/v1/namespaces/${REGRESS_NS}/configmaps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`);
    await new Promise((r) => setTimeout(r, 100));
    s.destroy();
    await new Promise((r) => setTimeout(r, 100));

    expect(failed).toEqual([]);
    expect(serverErrors.slice(logged)).toEqual([]);
  });
});

const REGRESS_NS = 'regress';

interface Regression {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  /** A body sent as is (instead of body as JSON). */
  text?: string;
  contentType?: string;
  expect: { code: number; reason?: string; message?: string | RegExp; field?: string };
}

const REG_PODS = `/api/v1/namespaces/${REGRESS_NS}/pods`;
const REG_CMS = `/api/v1/namespaces/${REGRESS_NS}/configmaps`;

function podWith(name: string, change: (p: Obj) => void): Obj {
  const pod: Obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } };
  change(pod);
  return pod;
}

function spec0(p: Obj): Obj {
  return p['spec'] as Obj;
}

function container0(p: Obj): Obj {
  return (spec0(p)['containers'] as Obj[])[0] as Obj;
}

const cannot = (kind: string, what: string): string => `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${what}`;

/** Each bug the fuzz found, as the request that showed it and the answer it gets now. */
const REGRESSIONS: Regression[] = [
  { name: 'namespace for the regressions', method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: REGRESS_NS } }, expect: { code: 201 } },
  // a non-string metadata.name was a 500 ("s is not iterable", "ch.codePointAt is not a function") on every kind
  ...RESOURCES.filter((r) => r.verbs.includes('create')).map((r): Regression => ({
    name: `numeric name of a ${r.kind} (${groupVersion(r)})`, method: 'POST',
    path: r.namespaced ? `${r.group === '' ? '/api/v1' : `/apis/${r.group}/v1`}/namespaces/${REGRESS_NS}/${r.resource}` : `${r.group === '' ? '/api/v1' : `/apis/${r.group}/v1`}/${r.resource}`,
    body: { metadata: { name: 5 } },
    expect: { code: 400, reason: 'BadRequest', field: 'metadata.name', message: cannot(r.kind, 'number into Go struct field ObjectMeta.metadata.name of type string') },
  })),
  // values of the wrong JSON type were stored, or refused with a misleading 422
  { name: 'array name', method: 'POST', path: REG_CMS, body: { metadata: { name: ['a'] } }, expect: { code: 400, message: cannot('ConfigMap', 'array into Go struct field ObjectMeta.metadata.name of type string') } },
  { name: 'bool label value', method: 'POST', path: REG_CMS, body: { metadata: { name: 'l', labels: { a: true } } }, expect: { code: 400, field: 'metadata.labels[a]', message: cannot('ConfigMap', 'bool into Go struct field ObjectMeta.metadata.labels of type string') } },
  { name: 'annotations as a number', method: 'POST', path: REG_CMS, body: { metadata: { name: 'a', annotations: 1.5 } }, expect: { code: 400, message: cannot('ConfigMap', 'number into Go struct field ObjectMeta.metadata.annotations of type map[string]string') } },
  { name: 'finalizers as a string', method: 'POST', path: REG_CMS, body: { metadata: { name: 'f', finalizers: 'x' } }, expect: { code: 400, message: cannot('ConfigMap', 'string into Go struct field ObjectMeta.metadata.finalizers of type []string') } },
  { name: 'owner reference uid as a number', method: 'POST', path: REG_CMS, body: { metadata: { name: 'o', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 1 }] } }, expect: { code: 400, field: 'metadata.ownerReferences[0].uid', message: cannot('ConfigMap', 'number into Go struct field OwnerReference.metadata.ownerReferences.uid of type types.UID') } },
  { name: 'generation 1.5', method: 'POST', path: REG_CMS, body: { metadata: { name: 'g', generation: 1.5 } }, expect: { code: 400, message: cannot('ConfigMap', 'number 1.5 into Go struct field ObjectMeta.metadata.generation of type int64') } },
  { name: 'data value as a number', method: 'POST', path: REG_CMS, body: { metadata: { name: 'd' }, data: { a: 1 } }, expect: { code: 400, message: cannot('ConfigMap', 'number into Go struct field ConfigMap.data of type string') } },
  { name: 'containers as an object', method: 'POST', path: REG_PODS, body: podWith('p-containers', (p) => { spec0(p)['containers'] = {}; }), expect: { code: 400, field: 'spec.containers', message: cannot('Pod', 'object into Go struct field PodSpec.spec.containers of type []v1.Container') } },
  { name: 'a numeric arg', method: 'POST', path: REG_PODS, body: podWith('p-args', (p) => { container0(p)['args'] = [5]; }), expect: { code: 400, field: 'spec.containers[0].args[0]', message: cannot('Pod', 'number into Go struct field Container.spec.containers.args of type string') } },
  { name: 'runAsUser as a string', method: 'POST', path: REG_PODS, body: podWith('p-runas', (p) => { container0(p)['securityContext'] = { runAsUser: 'root' }; }), expect: { code: 400, message: cannot('Pod', 'string into Go struct field SecurityContext.spec.containers.securityContext.runAsUser of type int64') } },
  { name: 'a fractional port', method: 'POST', path: REG_PODS, body: podWith('p-port', (p) => { container0(p)['ports'] = [{ containerPort: 1.5 }]; }), expect: { code: 400, message: cannot('Pod', 'number 1.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32') } },
  { name: 'a bool probe port', method: 'POST', path: REG_PODS, body: podWith('p-probe', (p) => { container0(p)['livenessProbe'] = { httpGet: { port: true } }; }), expect: { code: 400, message: cannot('Pod', 'bool into Go struct field HTTPGetAction.spec.containers.livenessProbe.httpGet.port of type int32') } },
  { name: 'a quantity as an object', method: 'POST', path: REG_PODS, body: podWith('p-quantity', (p) => { container0(p)['resources'] = { limits: { cpu: {} } }; }), expect: { code: 400, field: 'spec.containers[0].resources.limits[cpu]', message: 'Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'' } },
  { name: 'a bool toleration value', method: 'POST', path: REG_PODS, body: podWith('p-toleration', (p) => { spec0(p)['tolerations'] = [{ key: 'k', value: true }]; }), expect: { code: 400, message: cannot('Pod', 'bool into Go struct field Toleration.spec.tolerations.value of type string') } },
  { name: 'secret data not base64', method: 'POST', path: `/api/v1/namespaces/${REGRESS_NS}/secrets`, body: { metadata: { name: 's' }, data: { a: 'abc%' } }, expect: { code: 400, message: 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3' } },
  // a null metadata.namespace was taken for a namespace that does not match the URL's (400)
  { name: 'null metadata fields are absent', method: 'POST', path: REG_CMS, body: { metadata: { name: 'nulls', labels: null, namespace: null, finalizers: null, uid: null } }, expect: { code: 201 } },
  { name: 'a target for patches', method: 'POST', path: REG_CMS, body: { metadata: { name: 'target' }, data: { a: '1' } }, expect: { code: 201 } },
  // patches could produce any JSON type: accepted (200), or 500 once a string metadata was written to
  { name: 'merge patch giving a numeric name', method: 'PATCH', path: `${REG_CMS}/target`, contentType: 'application/merge-patch+json', body: { metadata: { name: 5 } }, expect: { code: 422, reason: 'Invalid', field: 'patch', message: /^ "" is invalid: patch: Invalid value: ".*": json: cannot unmarshal number into Go struct field ObjectMeta\.metadata\.name of type string$/ } },
  { name: 'strategic patch giving a string label map', method: 'PATCH', path: `${REG_CMS}/target`, contentType: 'application/strategic-merge-patch+json', body: { metadata: { labels: 'x' } }, expect: { code: 422, message: ' "" is invalid: patch: Invalid value: "map[metadata:map[labels:x]]": json: cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of type map[string]string' } },
  { name: 'JSON patch making metadata a string', method: 'PATCH', path: `${REG_CMS}/target`, contentType: 'application/json-patch+json', body: [{ op: 'replace', path: '/metadata', value: 'x' }], expect: { code: 422, message: /cannot unmarshal string into Go struct field ConfigMap\.metadata of type v1\.ObjectMeta$/ } },
  { name: 'JSON patch nesting twice the limit', method: 'PATCH', path: `${REG_CMS}/target`, contentType: 'application/json-patch+json', text: `[{"op":"add","path":"/x","value":${'{"a":'.repeat(997)}1${'}'.repeat(997)}},{"op":"add","path":"/x${'/a'.repeat(996)}","value":${'{"a":'.repeat(997)}1${'}'.repeat(997)}}]`, expect: { code: 422, message: /: exceeded max depth$/ } },
  // nesting beyond what structuredClone and JSON.stringify survive was a 500 ("Maximum call stack size exceeded")
  { name: 'body nested beyond the limit', method: 'POST', path: REG_CMS, text: `{"metadata":{"name":"deep"},"x":${'['.repeat(1000)}${']'.repeat(1000)}}`, expect: { code: 400, message: "couldn't get version/kind; json parse error: exceeded max depth" } },
  { name: 'YAML nested beyond the limit', method: 'POST', path: REG_CMS, contentType: 'application/yaml', text: `metadata: {name: deep}\nx: ${'['.repeat(1001)}${']'.repeat(1001)}\n`, expect: { code: 400, message: /^error converting YAML to JSON: / } },
  // a grace period beyond what a Date holds made the deletion timestamp throw (500)
  { name: 'a pod to bind', method: 'POST', path: REG_PODS, body: podWith('bound', (p) => { spec0(p)['terminationGracePeriodSeconds'] = 9007199254740991; }), expect: { code: 201 } },
  // strategicpatch's merge-key errors were passed on as reason-less 500s (as kube does)
  { name: 'strategic patch item without its merge key', method: 'PATCH', path: `${REG_PODS}/bound`, contentType: 'application/strategic-merge-patch+json', body: { spec: { containers: [{ image: 'x' }] } }, expect: { code: 400, reason: 'BadRequest', message: 'map: map[image:x] does not contain declared merge key: name' } },
  { name: 'binding', method: 'POST', path: `${REG_PODS}/bound/binding`, body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'n' } }, expect: { code: 201 } },
  { name: 'delete with a grace period beyond a Go duration', method: 'DELETE', path: `${REG_PODS}/bound?gracePeriodSeconds=9223372036854775807`, expect: { code: 200 } },
  { name: 'delete again with the spec\'s huge grace period', method: 'DELETE', path: `${REG_PODS}/bound`, expect: { code: 200 } },
  // a null list item was stored as null, and the binding then read its type (500)
  { name: 'a pod whose status gets a null condition', method: 'POST', path: REG_PODS, body: podWith('nullcond', () => undefined), expect: { code: 201 } },
  { name: 'status with a null condition', method: 'PUT', path: `${REG_PODS}/nullcond/status`, body: podWith('nullcond', (p) => { p['status'] = { conditions: [null], podIPs: [null] }; }), expect: { code: 200 } },
  { name: 'binding over the null condition', method: 'POST', path: `${REG_PODS}/nullcond/binding`, body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'nullcond' }, target: { kind: 'Node', name: 'n' } }, expect: { code: 201 } },
  { name: 'a field selector over the null pod IP', method: 'GET', path: `${REG_PODS}?fieldSelector=status.podIP%3D`, expect: { code: 200 } },
  // deletecollection across all namespaces deleted every namespace's objects (the canary too)
  { name: 'deletecollection without a namespace', method: 'DELETE', path: '/api/v1/configmaps', expect: { code: 405, reason: 'MethodNotAllowed' } },
  { name: 'the configmaps are still there', method: 'GET', path: `${REG_CMS}/target`, expect: { code: 200 } },
];
