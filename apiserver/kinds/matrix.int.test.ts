// The served-kind × verb matrix, through the real kubectl (1.32) against one in-process API server.
// Every kind declared in apiserver/kinds/ gets a row generated from its declaration (verbs,
// subresources, printer columns) and its 1.32 schema, with its object from the shared samples
// (apiserver/testing/samples.ts); the create-only review kinds get a create (and explain) row.
// One row comes from outside the declarations: a custom resource (Widget, samples.nodelet.dev/v1)
// defined by a CustomResourceDefinition the row creates.
// Each cell is one test named "<group/version> <Kind> › <column>"; the rows run in parallel (a
// bounded number of kubectl processes at once), the cells of a row in order.
//
// docs/api.md is the table of these results: the last test fails when the file differs from what
// this run found. NODELET_WRITE_API_DOC=1 rewrites it.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import { PROJECT_ROOT } from '../../lib/paths.ts';
import { definition, fieldType, kindSchemaName, type Schema } from '../../kube/schemas/schemas.ts';
import { COLUMNS } from '../api/tables.ts';
import { startApiServer } from '../main.ts';
import type { ApiServer } from '../server.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import { Kubectl, type KubectlResult } from '../testing/kubectl.ts';
import { sample, statusSample, WIDGET, widgetCrd, type SampleKind } from '../testing/samples.ts';
import { KINDS } from './index.ts';
import { ALL_VERBS, type KindDefinition } from './kind.ts';

type Obj = Record<string, unknown>;

const NS = 'matrix';
const DOC_FILE = join(PROJECT_ROOT, 'docs', 'api.md');
/** kubectl processes at once (watches not counted): enough to keep 2 cores busy. */
const PARALLEL = 6;

// ---- the columns -------------------------------------------------------------------------------

const COLUMN_NAMES = {
  create: 'create',
  get: 'get',
  list: 'list',
  watch: 'watch',
  merge: 'merge patch',
  strategic: 'strategic patch',
  json: 'json patch',
  ssa: 'server-side apply',
  apply: 'client-side apply',
  delete: 'delete',
  explain: 'explain',
  columns: 'get columns',
  status: 'status',
  scale: 'scale',
} as const;
type Column = keyof typeof COLUMN_NAMES;
const ALL_COLUMNS = Object.keys(COLUMN_NAMES) as Column[];

/** What each column runs (the legend of docs/api.md). */
const COLUMN_DOCS: Record<Column, string> = {
  create: '`kubectl create -f -` of the sample prints `<kind>/<name> created`; a review prints its answer (`-o json`) with a status.',
  get: '`kubectl get <resource> <name> -o json` returns the object (kind, apiVersion, name, labels).',
  list: '`kubectl get <resource> -l matrix=<row> -o json` returns a List holding exactly the object.',
  watch: '`kubectl get <resource> <name> --watch -o jsonpath=…` prints the object, then the change a `kubectl label` makes (the child is killed once seen).',
  merge: '`kubectl patch --type=merge -o json` adds a label and keeps the others.',
  strategic: '`kubectl patch --type=strategic -o json` adds a label and keeps the others; a custom resource refuses it with 415 UnsupportedMediaType.',
  json: '`kubectl patch --type=json -o json` adds a label with an `add` operation.',
  ssa: '`kubectl apply --server-side -f -` creates a second object (`serverside-applied`), applies a changed label, and the object has kubectl\'s `Apply` managedFields entry.',
  apply: '`kubectl apply -f -` creates a third object (`created`), then `configured` with a changed label, and the object carries `last-applied-configuration`.',
  delete: '`kubectl delete <resource> <name>` (waiting) prints `deleted`, and `kubectl get` then answers NotFound.',
  explain: '`kubectl explain <resource> --api-version=<group/version>` prints GROUP (for a named group), KIND, VERSION and every top-level field of the kind\'s schema with its type and `-required-`.',
  columns: '`kubectl get <resource> -l matrix=<row>` and `-o wide` print exactly the kind\'s printer columns (priority 0, then all) and one row.',
  status: '`kubectl patch --subresource=status --type=merge -o json` sets the sample status; `kubectl get --subresource=status` shows it.',
  scale: '`kubectl scale --replicas=3` prints `scaled`; `kubectl get --subresource=scale` and the object show 3 replicas.',
};

// ---- the rows ----------------------------------------------------------------------------------

interface ExplainField {
  name: string;
  /** kubectl's type label, e.g. `<string>`, `<[]Container>`, `<map[string]string>`. */
  type: string;
  required: boolean;
}

interface Row extends SampleKind {
  /** "apps/v1 Deployment" */
  label: string;
  /** "deployments.apps": the value of the matrix label and the stem of object names. */
  id: string;
  namespaced: boolean;
  shortNames: readonly string[];
  verbs: readonly string[];
  /** Created and answered, never stored (the reviews). */
  review: boolean;
  /** Built into the server (a custom resource refuses strategic merge patch). */
  builtin: boolean;
  status: boolean;
  /** kubectl jsonpath of the replicas a scale changes, when the kind has /scale. */
  scale: string | undefined;
  columns: readonly { name: string; priority: number }[];
  explain: () => ExplainField[];
  /** Runs before the row (the custom resource's definition). */
  setup?: () => Promise<void>;
}

/** kube's DefaultTableConvertor, for kinds without a printer of their own. */
const DEFAULT_COLUMNS = [{ name: 'Name', priority: 0 }, { name: 'Created At', priority: 0 }];

function gv(r: Pick<SampleKind, 'group' | 'version'>): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

function short(definitionName: string): string {
  return definitionName.slice(definitionName.lastIndexOf('.') + 1);
}

/** The type kubectl explain prints for a schema (its plaintext template's typeGuess). */
function explainType(s: Schema, definitionName?: string): string {
  const type = typeof s['type'] === 'string' ? s['type'] : undefined;
  if (type === 'array') {
    const items = (s['items'] ?? {}) as Schema;
    const ref = refOf(items);
    return `[]${ref === undefined ? explainType(items) : explainType(definition(ref) ?? {}, ref)}`;
  }
  if (type === 'object' && typeof s['additionalProperties'] === 'object' && s['properties'] === undefined) {
    const values = s['additionalProperties'] as Schema;
    const ref = refOf(values);
    return `map[string]${ref === undefined ? explainType(values) : explainType(definition(ref) ?? {}, ref)}`;
  }
  if (definitionName !== undefined && (type === 'object' || type === undefined)) return short(definitionName);
  if (type === 'object') return 'Object';
  return type ?? 'Object';
}

function refOf(s: Schema): string | undefined {
  if (typeof s['$ref'] === 'string') return s['$ref'].slice(s['$ref'].lastIndexOf('/') + 1);
  const allOf = s['allOf'];
  if (Array.isArray(allOf) && allOf.length === 1) {
    const only = allOf[0] as Schema;
    if (typeof only['$ref'] === 'string') return only['$ref'].slice(only['$ref'].lastIndexOf('/') + 1);
  }
  return undefined;
}

/** The top-level fields of a schema definition, as kubectl explain lists them. */
function explainFields(definitionName: string | undefined): ExplainField[] {
  if (definitionName === undefined) throw new Error('the kind has no 1.32 schema');
  const def = definition(definitionName) ?? {};
  const props = (def['properties'] ?? {}) as Record<string, Schema>;
  const required = Array.isArray(def['required']) ? def['required'] as string[] : [];
  return Object.keys(props).sort().map((name) => {
    const ft = fieldType(definitionName, name);
    const ref = refOf(props[name] ?? {});
    const type = ref === undefined ? explainType(props[name] ?? {}) : explainType(ft?.schema ?? {}, ref);
    return { name, type: `<${type}>`, required: required.includes(name) };
  });
}

function rowOf(k: KindDefinition): Row {
  const review = k.review !== undefined;
  return {
    label: `${gv(k)} ${k.kind}`,
    id: k.group === '' ? k.resource : `${k.resource}.${k.group}`,
    group: k.group, version: k.version, kind: k.kind, resource: k.resource, namespaced: k.namespaced,
    shortNames: k.shortNames, verbs: k.verbs, review, builtin: true,
    status: k.subresources.some((s) => s.name === 'status'),
    scale: k.subresources.some((s) => s.name === 'scale') ? `{.${k.scale?.specReplicasPath ?? 'spec.replicas'}}` : undefined,
    columns: (k.table?.columns ?? COLUMNS[k.resource] ?? DEFAULT_COLUMNS).map((c) => ({ name: c.name, priority: c.priority })),
    explain: () => explainFields(kindSchemaName(k.group, k.version, k.kind)),
  };
}

/** The custom resource, as its definition (samples' widgetCrd) declares it. */
function widgetRow(): Row {
  const crd = widgetCrd();
  const spec = crd['spec'] as Obj;
  const version = (spec['versions'] as Obj[])[0] as Obj;
  const printer = version['additionalPrinterColumns'] as { name: string; priority?: number }[];
  const schema = (version['schema'] as Obj)['openAPIV3Schema'] as Schema;
  return {
    ...WIDGET, label: `${gv(WIDGET)} ${WIDGET.kind}`, id: `${WIDGET.resource}.${WIDGET.group}`,
    shortNames: ((spec['names'] as Obj)['shortNames'] ?? []) as string[], verbs: ALL_VERBS, review: false, builtin: false, status: true,
    scale: `{${String(((version['subresources'] as Obj)['scale'] as Obj)['specReplicasPath'])}}`,
    columns: [{ name: 'Name', priority: 0 }, ...printer.map((c) => ({ name: c.name, priority: c.priority ?? 0 }))],
    explain: () => {
      const props = (schema['properties'] ?? {}) as Record<string, Schema>;
      const required = (schema['required'] ?? []) as string[];
      const own = Object.keys(props).map((name) => ({ name, type: `<${explainType(props[name] ?? {})}>`, required: required.includes(name) }));
      return [{ name: 'apiVersion', type: '<string>', required: false }, { name: 'kind', type: '<string>', required: false },
        { name: 'metadata', type: '<ObjectMeta>', required: false }, ...own].sort((a, b) => a.name.localeCompare(b.name));
    },
    setup: async () => {
      const r = await kubectl(['create', '-f', '-'], JSON.stringify(crd));
      if (r.code !== 0) throw failure(['create', '-f', '-'], r, 'the CustomResourceDefinition');
      // discovery: kubectl finds the new resource once the definition is established
      await until(async () => ((await kubectl(['get', WIDGET.resource, '-n', NS])).code === 0 ? true : undefined), 20_000, 'widgets to be served');
    },
  };
}

const ROWS: Row[] = [
  ...KINDS.map(rowOf),
  widgetRow(),
];

function applies(row: Row, c: Column): boolean {
  const has = (...verbs: string[]): boolean => verbs.every((v) => row.verbs.includes(v));
  if (c === 'explain') return true;
  if (row.review) return c === 'create';
  switch (c) {
    case 'create': return has('create');
    case 'get': return has('create', 'get');
    case 'list': case 'columns': return has('create', 'list');
    case 'watch': return has('create', 'watch', 'patch');
    case 'merge': case 'strategic': case 'json': return has('create', 'patch');
    case 'ssa': return has('create', 'patch');
    case 'apply': return has('create', 'get', 'patch');
    case 'delete': return has('create', 'delete');
    case 'status': return row.status;
    case 'scale': return row.scale !== undefined;
  }
}

// ---- running kubectl ---------------------------------------------------------------------------

let server: ApiServer;
let k: Kubectl;
let tmpDir = '';

let running = 0;
const waiting: (() => void)[] = [];

async function kubectl(args: string[], stdin?: string): Promise<KubectlResult> {
  if (running >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await k.run(args, stdin === undefined ? { timeoutMs: 90_000 } : { stdin, timeoutMs: 90_000 });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** A cell's failure: the whole story for the test, one normalized line for the doc. */
class CellFailure extends Error {
  constructor(message: string, readonly note: string) {
    super(message);
  }
}

function normalize(line: string): string {
  let s = line.trim();
  if (tmpDir !== '') s = s.split(tmpDir).join('<tmp>');
  s = s.replace(/https:\/\/127\.0\.0\.1:\d+/g, 'https://<server>').replace(/\b\d{4}-\d\d-\d\dT[\d:.]+Z\b/g, '<time>');
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

function failure(args: string[], r: KubectlResult, what?: string): CellFailure {
  const first = r.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit ${r.code}`;
  return new CellFailure(`${what === undefined ? '' : `${what}: `}kubectl ${args.join(' ')} → exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`, normalize(first));
}

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await kubectl(args, stdin);
  if (r.code !== 0) throw failure(args, r);
  return r.stdout;
}

async function okJson(args: string[], stdin?: string): Promise<Obj> {
  return JSON.parse(await ok(args, stdin)) as Obj;
}

function check(cond: boolean, message: string, detail = ''): void {
  if (!cond) throw new CellFailure(detail === '' ? message : `${message}\n${detail}`, normalize(message));
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new CellFailure(`timed out waiting for ${what}`, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function meta(o: Obj): Obj {
  return (o['metadata'] ?? {}) as Obj;
}

function nameOf(o: Obj, fallback = ''): string {
  const name = meta(o)['name'];
  return typeof name === 'string' ? name : fallback;
}

function labelsOf(o: Obj): Record<string, string> {
  return (meta(o)['labels'] ?? {}) as Record<string, string>;
}

/** The first place where actual lacks what expected has (nulls in expected are "absent or null"). */
function mismatch(actual: unknown, expected: unknown, path = 'status'): string | undefined {
  if (expected === null) return actual === null || actual === undefined ? undefined : `${path}: ${JSON.stringify(actual)} is not null`;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${path}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`;
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(actual[i], expected[i], `${path}[${i}]`);
      if (m !== undefined) return m;
    }
    return undefined;
  }
  if (typeof expected === 'object') {
    if (typeof actual !== 'object' || actual === null) return `${path}: ${JSON.stringify(actual)} is not an object`;
    for (const [key, v] of Object.entries(expected)) {
      const m = mismatch((actual as Obj)[key], v, `${path}.${key}`);
      if (m !== undefined) return m;
    }
    return undefined;
  }
  return actual === expected ? undefined : `${path}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`;
}

// ---- one row -----------------------------------------------------------------------------------

type CellResult = { ok: true } | { ok: false; failure: CellFailure };

interface RowRun {
  cells: Map<Column, CellResult>;
  done: Promise<void>;
}

/** kubectl's name of an object's type: `deployment.apps`, `pod`. */
function printed(row: Row): string {
  return row.group === '' ? row.kind.toLowerCase() : `${row.kind.toLowerCase()}.${row.group}`;
}

/** The resource argument: fully qualified, so that events.k8s.io's Event is not core's. */
function resourceArg(row: Row): string {
  return row.group === '' ? row.resource : `${row.resource}.${row.version}.${row.group}`;
}

function objectFor(row: Row, stem: string, labels: Record<string, string>): Obj {
  const obj = sample(row, NS, stem);
  const m = meta(obj);
  obj['metadata'] = { ...m, labels: { ...(m['labels'] ?? {}) as Obj, ...labels } };
  return obj;
}

/**
 * A manifest meant for applying more than once. A Pod's lists the two tolerations the server adds
 * on create (DefaultTolerationSeconds): kubectl sends the atomic list as the manifest has it, and
 * a Pod update may not remove tolerations — upstream refuses the second apply of the sample too.
 */
function forApply(row: Row, obj: Obj): Obj {
  if (row.group === '' && row.resource === 'pods') {
    const spec = obj['spec'] as Obj;
    spec['tolerations'] = [
      ...(spec['tolerations'] ?? []) as Obj[],
      ...['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 })),
    ];
  }
  return obj;
}

function runRow(row: Row): RowRun {
  const cells = new Map<Column, CellResult>();
  const ns = row.namespaced ? ['-n', NS] : [];
  const res = resourceArg(row);
  const stem = `m-${row.id.replace(/\./g, '-')}`;
  const main = objectFor(row, stem, { matrix: row.id });
  const name = nameOf(main, stem);
  let created = false;

  const cell = async (c: Column, fn: () => Promise<void>): Promise<void> => {
    if (!applies(row, c)) return;
    try {
      await fn();
      cells.set(c, { ok: true });
    } catch (err) {
      cells.set(c, { ok: false, failure: err instanceof CellFailure ? err : new CellFailure(String(err), normalize(String(err))) });
    }
  };
  const needObject = (): void => {
    if (!created) throw new CellFailure('not run: the object was not created (see create)', 'not run: the object was not created');
  };

  const patchCell = (c: Column, type: string, patch: string, label: string): Promise<void> => cell(c, async () => {
    needObject();
    const args = ['patch', res, name, ...ns, `--type=${type}`, '-p', patch, '-o', 'json'];
    if (c === 'strategic' && !row.builtin) {
      const r = await kubectl(args);
      // kubectl words the 415: "application/strategic-merge-patch+json is not supported by <gvk>: <the Status message>"
      check(r.code !== 0 && /UnsupportedMediaType|strategic-merge-patch\+json is not supported/.test(r.stderr) && r.stderr.includes('application/merge-patch+json'),
        'a strategic merge patch of a custom resource is not refused with 415 UnsupportedMediaType', `exit ${r.code}\n${r.stdout}${r.stderr}`);
      return;
    }
    const out = await okJson(args);
    const labels = labelsOf(out);
    check(labels[label] === 'yes' && labels['matrix'] === row.id, `the ${type} patch did not add label ${label} beside the others`, JSON.stringify(labels));
  });

  const mainChain = async (): Promise<void> => {
    await cell('create', async () => {
      if (row.review) {
        const args = ['create', '-f', '-', '-o', 'json', ...ns];
        const r = await kubectl(args, JSON.stringify(sample(row, NS, stem)));
        if (r.code !== 0) {
          const unvalidated = await kubectl(['create', '--validate=false', '-f', '-', '-o', 'json', ...ns], JSON.stringify(sample(row, NS, stem)));
          const f = failure(args, r);
          throw new CellFailure(`${f.message}\n(with --validate=false: exit ${unvalidated.code} ${unvalidated.stderr})`,
            `${f.note}${unvalidated.code === 0 ? ' (with `--validate=false` the server answers)' : ''}`);
        }
        const answer = JSON.parse(r.stdout) as Obj;
        check(answer['kind'] === row.kind && typeof answer['status'] === 'object', 'the review was not answered with a status', r.stdout);
        return;
      }
      const out = await ok(['create', '-f', '-', ...ns], JSON.stringify(main));
      check(out === `${printed(row)}/${name} created\n`, 'unexpected output of create', out);
      created = true;
    });
    if (row.review) return;

    await cell('get', async () => {
      needObject();
      const o = await okJson(['get', res, name, ...ns, '-o', 'json']);
      check(o['kind'] === row.kind && o['apiVersion'] === gv(row) && meta(o)['name'] === name && labelsOf(o)['matrix'] === row.id,
        'get -o json did not return the object', JSON.stringify(o).slice(0, 400));
    });

    await cell('list', async () => {
      needObject();
      const o = await okJson(['get', res, ...ns, '-l', `matrix=${row.id}`, '-o', 'json']);
      const names = ((o['items'] ?? []) as Obj[]).map((i) => meta(i)['name']);
      check(o['kind'] === 'List' && JSON.stringify(names) === JSON.stringify([name]), `the list holds ${JSON.stringify(names)}, not [${name}]`);
    });

    await cell('columns', async () => {
      needObject();
      for (const wide of [false, true]) {
        const out = await ok(['get', res, ...ns, '-l', `matrix=${row.id}`, ...(wide ? ['-o', 'wide'] : [])]);
        const lines = out.split('\n').filter((l) => l.trim() !== '');
        const header = (lines[0] ?? '').trim().split(/\s{2,}/);
        const expected = row.columns.filter((c) => wide || c.priority === 0).map((c) => c.name.toUpperCase());
        check(JSON.stringify(header) === JSON.stringify(expected), `${wide ? '-o wide' : 'the table'} prints ${JSON.stringify(header)}, not ${JSON.stringify(expected)}`, out);
        check(lines.length === 2, `${wide ? '-o wide' : 'the table'} has ${lines.length - 1} rows, not 1`, out);
      }
    });

    await cell('watch', async () => {
      needObject();
      const args = ['--cache-dir', join(k.dir, 'cache'), 'get', res, name, ...ns, '--watch', '-o', 'jsonpath={.metadata.name}={.metadata.labels.watch}{"\\n"}', '--request-timeout=60s'];
      const child = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: k.kubeconfig, HOME: k.dir } });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
      child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
      try {
        const lines = (): string[] => out.split('\n');
        await until(() => (lines().includes(`${name}=`) ? true : err !== '' ? true : undefined), 20_000, 'the watch to print the object');
        check(err === '', 'kubectl get --watch failed', err);
        await ok(['label', res, name, ...ns, 'watch=seen']);
        await until(() => (lines().includes(`${name}=seen`) ? true : undefined), 20_000, 'the watch to print the change');
      } catch (e) {
        if (e instanceof CellFailure) throw new CellFailure(`${e.message}\nwatch stdout: ${out}\nwatch stderr: ${err}`, e.note);
        throw e;
      } finally {
        child.kill('SIGTERM');
      }
    });

    await patchCell('merge', 'merge', '{"metadata":{"labels":{"merge":"yes"}}}', 'merge');
    await patchCell('strategic', 'strategic', '{"metadata":{"labels":{"strategic":"yes"}}}', 'strategic');
    await patchCell('json', 'json', '[{"op":"add","path":"/metadata/labels/json","value":"yes"}]', 'json');

    await cell('status', async () => {
      needObject();
      const status = statusSample(row, NS, stem);
      check(status !== undefined, `no status sample for ${row.label} in apiserver/testing/samples.ts`);
      const out = await okJson(['patch', res, name, ...ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status }), '-o', 'json']);
      const m = mismatch(out['status'], status);
      check(m === undefined, `the status patch did not set the status: ${m ?? ''}`, JSON.stringify(out['status']));
      const got = await okJson(['get', res, name, ...ns, '--subresource=status', '-o', 'json']);
      const m2 = mismatch(got['status'], status);
      check(m2 === undefined, `get --subresource=status does not show the status: ${m2 ?? ''}`);
    });

    await cell('scale', async () => {
      needObject();
      const out = await ok(['scale', res, name, ...ns, '--replicas=3']);
      check(out === `${printed(row)}/${name} scaled\n`, 'unexpected output of scale', out);
      const scale = await okJson(['get', res, name, ...ns, '--subresource=scale', '-o', 'json']);
      check(scale['kind'] === 'Scale' && (scale['spec'] as Obj | undefined)?.['replicas'] === 3, 'the Scale does not show 3 replicas', JSON.stringify(scale));
      const replicas = await ok(['get', res, name, ...ns, '-o', `jsonpath=${row.scale ?? ''}`]);
      check(replicas === '3', `the object has ${replicas} replicas, not 3`);
    });

    await cell('delete', async () => {
      needObject();
      const out = await ok(['delete', res, name, ...ns, '--timeout=60s']);
      check(out === `${printed(row)} "${name}" deleted\n`, 'unexpected output of delete', out);
      const r = await kubectl(['get', res, name, ...ns]);
      check(r.code !== 0 && r.stderr.includes('(NotFound)'), 'the object is still there after delete', r.stdout + r.stderr);
    });
  };

  const ssaChain = (): Promise<void> => cell('ssa', async () => {
    const obj = forApply(row, objectFor(row, `${stem}-ssa`, { 'matrix-apply': row.id }));
    const n = nameOf(obj);
    const first = await ok(['apply', '--server-side', '-f', '-', ...ns], JSON.stringify(obj));
    check(first === `${printed(row)}/${n} serverside-applied\n`, 'unexpected output of the first server-side apply', first);
    (meta(obj)['labels'] as Obj)['ssa'] = 'two';
    const second = await ok(['apply', '--server-side', '-f', '-', ...ns], JSON.stringify(obj));
    check(second === `${printed(row)}/${n} serverside-applied\n`, 'unexpected output of the second server-side apply', second);
    const o = await okJson(['get', res, n, ...ns, '-o', 'json', '--show-managed-fields']);
    check(labelsOf(o)['ssa'] === 'two', 'the applied change is not there', JSON.stringify(labelsOf(o)));
    const managed = (meta(o)['managedFields'] ?? []) as Obj[];
    check(managed.some((f) => f['manager'] === 'kubectl' && f['operation'] === 'Apply'), 'no Apply managedFields entry for kubectl', JSON.stringify(managed));
  });

  const applyChain = (): Promise<void> => cell('apply', async () => {
    const obj = forApply(row, objectFor(row, `${stem}-csa`, { 'matrix-apply': row.id }));
    const n = nameOf(obj);
    const first = await ok(['apply', '-f', '-', ...ns], JSON.stringify(obj));
    check(first === `${printed(row)}/${n} created\n`, 'unexpected output of the first apply', first);
    (meta(obj)['labels'] as Obj)['apply'] = 'two';
    const second = await ok(['apply', '-f', '-', ...ns], JSON.stringify(obj));
    check(second === `${printed(row)}/${n} configured\n`, 'unexpected output of the second apply', second);
    const o = await okJson(['get', res, n, ...ns, '-o', 'json']);
    check(labelsOf(o)['apply'] === 'two', 'the applied change is not there', JSON.stringify(labelsOf(o)));
    const annotations = (meta(o)['annotations'] ?? {}) as Obj;
    check(typeof annotations['kubectl.kubernetes.io/last-applied-configuration'] === 'string', 'no last-applied-configuration annotation');
  });

  const explainChain = (): Promise<void> => cell('explain', async () => {
    const out = await ok(['explain', row.resource, `--api-version=${gv(row)}`]);
    const head = out.split('\n').slice(0, 4).join('\n');
    if (row.group !== '') check(new RegExp(`^GROUP:\\s+${row.group.replace(/\./g, '\\.')}$`, 'm').test(head), 'no GROUP line', head);
    check(new RegExp(`^KIND:\\s+${row.kind}$`, 'm').test(head) && new RegExp(`^VERSION:\\s+${row.version}$`, 'm').test(head), 'no KIND/VERSION lines', head);
    const printedFields = out.slice(out.indexOf('\nFIELDS:\n')).split('\n').filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().replace(/\s+/g, ' '));
    const expected = row.explain().map((f) => `${f.name} ${f.type}${f.required ? ' -required-' : ''}`);
    check(JSON.stringify(printedFields) === JSON.stringify(expected), 'the FIELDS are not the schema\'s',
      `printed:  ${JSON.stringify(printedFields)}\nexpected: ${JSON.stringify(expected)}`);
  });

  const done = (async () => {
    try {
      await row.setup?.();
    } catch (err) {
      const f = err instanceof CellFailure ? err : new CellFailure(String(err), normalize(String(err)));
      const setupFailure = new CellFailure(`setup failed: ${f.message}`, `setup: ${f.note}`);
      for (const c of ALL_COLUMNS) if (applies(row, c) && c !== 'explain') cells.set(c, { ok: false, failure: setupFailure });
      await explainChain();
      return;
    }
    await Promise.all([mainChain(), ssaChain(), applyChain(), explainChain()]);
  })();
  return { cells, done };
}

// ---- the tests ---------------------------------------------------------------------------------

const runs = new Map<Row, RowRun>();

beforeAll(async () => {
  server = await startApiServer({ storage: createMemoryStorage(), log: silentLogger, scheduler: false, minRequestTimeoutSeconds: 60 });
  k = new Kubectl(server.kubeconfig());
  tmpDir = k.dir;
  await ok(['create', 'namespace', NS]);
  // pods name the namespace's default service account; the namespace controller makes it
  await until(async () => ((await kubectl(['get', 'serviceaccount', 'default', '-n', NS])).code === 0 ? true : undefined), 20_000, 'the default service account');
  await ok(['api-resources']); // fills the discovery cache once, before the parallel runs
  for (const row of ROWS) runs.set(row, runRow(row));
});

afterAll(async () => {
  await Promise.allSettled([...runs.values()].map((r) => r.done));
  await server.close();
  k.cleanup();
});

describe('kind matrix', () => {
  for (const row of ROWS) {
    describe(row.label, () => {
      for (const c of ALL_COLUMNS.filter((col) => applies(row, col))) {
        it(COLUMN_NAMES[c], async () => {
          const run = runs.get(row);
          if (run === undefined) throw new Error('the row did not start');
          await run.done;
          const result = run.cells.get(c);
          if (result === undefined) throw new Error('the cell did not run');
          if (!result.ok) throw result.failure;
        });
      }
    });
  }

  it('docs/api.md is the table of these results', async () => {
    await Promise.all([...runs.values()].map((r) => r.done));
    const doc = renderDoc();
    if (process.env['NODELET_WRITE_API_DOC'] === '1') writeFileSync(DOC_FILE, doc);
    let current = '';
    try {
      current = readFileSync(DOC_FILE, 'utf8');
    } catch {
      // missing: the comparison fails below
    }
    expect(current, 'docs/api.md differs from this run\'s results: rerun with NODELET_WRITE_API_DOC=1 and commit it').toBe(doc);
  });
});

// ---- docs/api.md -------------------------------------------------------------------------------

function renderDoc(): string {
  const notes: string[] = [];
  const noteOf = (text: string): number => {
    const i = notes.indexOf(text);
    if (i >= 0) return i + 1;
    notes.push(text);
    return notes.length;
  };
  const header = ['group/version', 'kind', 'resource', 'short names', ...ALL_COLUMNS.map((c) => COLUMN_NAMES[c])];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  let passed = 0;
  let failed = 0;
  for (const row of ROWS) {
    const run = runs.get(row);
    const cells = ALL_COLUMNS.map((c) => {
      if (!applies(row, c)) return '—';
      const r = run?.cells.get(c);
      if (r === undefined) return '? (not run)';
      if (r.ok) {
        passed++;
        return '✓';
      }
      failed++;
      return `✗ [${noteOf(r.failure.note.replace(/\|/g, '\\|'))}]`;
    });
    const names = row.shortNames.length === 0 ? '' : row.shortNames.map((s) => `\`${s}\``).join(', ');
    lines.push(`| ${gv(row)} | ${row.kind} | ${row.resource} | ${names} | ${cells.join(' | ')} |`);
  }
  return [
    '# The API, kind by kind',
    '',
    'Every kind the API server serves (declared once in `apiserver/kinds/`), and what the real kubectl 1.32 does with it',
    'against the server. The table is generated by `apiserver/kinds/matrix.int.test.ts` from its results',
    '(`NODELET_WRITE_API_DOC=1 npx vitest run --project integration apiserver/kinds/matrix.int.test.ts`), and that test',
    'fails when this file and a run disagree. Rows come from the kind declarations, objects from',
    '`apiserver/testing/samples.ts`; the last row is Widget, a custom resource the test defines with a CustomResourceDefinition.',
    '',
    '- ✓ — the test `kind matrix › <group/version> <Kind> › <column>` in `apiserver/kinds/matrix.int.test.ts` passed;',
    '- ✗ [n] — that test fails, for the reason in note n;',
    '- — — the kind does not have the verb or subresource (the reviews are create-only).',
    '',
    `${passed} cells pass, ${failed} fail.`,
    '',
    ...lines,
    '',
    '## Notes',
    '',
    ...(notes.length === 0 ? ['None: every cell passes.'] : notes.map((n, i) => `${i + 1}. ${n}`)),
    '',
    '## Columns',
    '',
    ...ALL_COLUMNS.map((c) => `- **${COLUMN_NAMES[c]}**: ${COLUMN_DOCS[c]}`),
    '',
  ].join('\n');
}
