// Static pods from a folder of manifests (the kubelet's --pod-manifest-path / file source):
// every non-hidden file is read as multi-document YAML (or JSON); each Pod document becomes a
// static pod named <name>-<nodeName> with a stable uid derived from the node, the file and the
// content (so a changed manifest is a new pod: the old one is terminated, the new one started).
// The folder is watched (fs.watch, debounced) and rescanned periodically as a safety net; a
// rescan stats every file but reads and parses only files whose stat (mtime, ctime, size, inode)
// changed since the last scan. Bad documents are logged, listed in problems() and skipped; they
// never stop the others.
import { createHash } from 'node:crypto';
import type { FSWatcher } from 'node:fs';
import { watch } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import { parseAllDocuments } from 'yaml';
import type { Clock, Timer } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';
import { defaultPullPolicy } from '../images.ts';
import { rfc3339 } from '../pod-util.ts';
import type { PodSource, PodSourceHandler, SourceProblem } from './pod-source.ts';

export const CONFIG_SOURCE_ANNOTATION = 'kubernetes.io/config.source';
export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash';
export const CONFIG_SEEN_ANNOTATION = 'kubernetes.io/config.seen';
export const CONFIG_MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export interface ManifestDirOptions {
  dir: string;
  nodeName: string;
  clock: Clock;
  log?: Logger;
  /** Periodic full rescan (the kubelet's file check frequency is 20 s). */
  rescanMs?: number;
  /** Debounce of watch notifications. */
  debounceMs?: number;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Canonical JSON (sorted keys) for hashing. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val !== null && typeof val === 'object' && !Array.isArray(val)) {
      return Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return val;
  });
}

/** The static pod uid: md5 over host, file and content, like the kubelet's applyDefaults. */
export function staticPodUid(nodeName: string, file: string, pod: unknown): string {
  const h = createHash('md5');
  h.update(`host:${nodeName}`);
  h.update(`file:${file}`);
  h.update(canonical(pod));
  return h.digest('hex');
}

/** Validates one document; returns an error message or undefined. */
export function validateManifest(doc: unknown): string | undefined {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return 'manifest is not an object';
  const d = doc as Record<string, unknown>;
  if (d['kind'] !== 'Pod') return `kind must be "Pod", got ${JSON.stringify(d['kind'])}`;
  if (d['apiVersion'] !== undefined && d['apiVersion'] !== 'v1') return `apiVersion must be "v1", got ${JSON.stringify(d['apiVersion'])}`;
  const md = d['metadata'] as Record<string, unknown> | undefined;
  const name = md?.['name'];
  if (typeof name !== 'string' || name === '') return 'metadata.name: Required value: name is required';
  if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) return `metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`;
  const ns = md?.['namespace'];
  if (ns !== undefined && (typeof ns !== 'string' || !DNS1123_LABEL.test(ns))) return `metadata.namespace: Invalid value: ${JSON.stringify(ns)}`;
  const spec = d['spec'] as Record<string, unknown> | undefined;
  if (spec === undefined || typeof spec !== 'object') return 'spec: Required value';
  const containers = spec['containers'];
  if (!Array.isArray(containers) || containers.length === 0) return 'spec.containers: Required value';
  const inits = spec['initContainers'] ?? [];
  if (!Array.isArray(inits)) return 'spec.initContainers: Invalid value: must be a list';
  const seen = new Set<string>();
  for (const [field, list] of [['spec.initContainers', inits], ['spec.containers', containers]] as const) {
    for (const [i, c] of (list as unknown[]).entries()) {
      const cc = c as Record<string, unknown> | null;
      const cname = cc?.['name'];
      if (typeof cname !== 'string' || cname === '') return `${field}[${i}].name: Required value`;
      if (!DNS1123_LABEL.test(cname)) return `${field}[${i}].name: Invalid value: "${cname}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`;
      if (seen.has(cname)) return `${field}[${i}].name: Duplicate value: "${cname}"`;
      seen.add(cname);
      if (typeof cc?.['image'] !== 'string' || cc['image'] === '') return `${field}[${i}].image: Required value`;
    }
  }
  const rp = spec['restartPolicy'];
  if (rp !== undefined && rp !== 'Always' && rp !== 'OnFailure' && rp !== 'Never') return `spec.restartPolicy: Unsupported value: ${JSON.stringify(rp)}: supported values: "Always", "OnFailure", "Never"`;
  return undefined;
}

function defaultContainer(c: Container): Container {
  return {
    ...c,
    imagePullPolicy: c.imagePullPolicy ?? defaultPullPolicy(c.image ?? ''),
    terminationMessagePath: c.terminationMessagePath ?? '/dev/termination-log',
    terminationMessagePolicy: c.terminationMessagePolicy ?? 'File',
  };
}

/** The kubelet's static pod defaults plus API defaults that matter on the node. */
/** `seen` is the manifest's modification time: stable across agent restarts (creationTimestamp, AGE). */
export function toStaticPod(input: unknown, opts: { nodeName: string; file: string; uid: string; seen: number }): Pod {
  const doc = input as Pod;
  const md = doc.metadata ?? {};
  const spec = doc.spec ?? { containers: [] };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...md,
      name: `${md.name ?? ''}-${opts.nodeName}`,
      namespace: md.namespace ?? 'default',
      uid: opts.uid,
      creationTimestamp: md.creationTimestamp ?? rfc3339(opts.seen),
      annotations: {
        ...(md.annotations ?? {}),
        [CONFIG_SOURCE_ANNOTATION]: 'file',
        [CONFIG_HASH_ANNOTATION]: opts.uid,
        [CONFIG_SEEN_ANNOTATION]: new Date(opts.seen).toISOString(),
      },
    },
    spec: {
      ...spec,
      nodeName: opts.nodeName,
      restartPolicy: spec.restartPolicy ?? 'Always',
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
      dnsPolicy: spec.dnsPolicy ?? 'ClusterFirst',
      schedulerName: spec.schedulerName ?? 'default-scheduler',
      enableServiceLinks: spec.enableServiceLinks ?? true,
      ...(spec.initContainers === undefined ? {} : { initContainers: spec.initContainers.map(defaultContainer) }),
      containers: spec.containers.map(defaultContainer),
    },
  };
}

/** One document of a manifest file, as parsed: a valid pod document with its uid, or a problem. */
type ParsedDoc = { where: string; doc: unknown; uid: string } | { where: string; problem: string };

/** A file's parse result with the stat it was read at: reused while the stat is unchanged. */
interface ParsedFile {
  stamp: string;
  mtime: number;
  docs: ParsedDoc[];
}

function parseManifestFile(path: string, content: string, nodeName: string): ParsedDoc[] {
  const docs = parseAllDocuments(content);
  const out: ParsedDoc[] = [];
  for (const [i, d] of docs.entries()) {
    const where = docs.length > 1 ? `${path}#${i}` : path;
    if (d.errors.length > 0) {
      out.push({ where, problem: `invalid YAML: ${d.errors[0]?.message ?? 'parse error'}` });
      continue;
    }
    const doc: unknown = d.toJS();
    if (doc === null || doc === undefined) continue;
    const err = validateManifest(doc);
    if (err !== undefined) {
      out.push({ where, problem: err });
      continue;
    }
    out.push({ where, doc, uid: staticPodUid(nodeName, where, doc) });
  }
  return out;
}

export class ManifestDirSource implements PodSource {
  readonly name = 'file';
  /** path → last parse, so a periodic rescan of unchanged files costs one stat each. */
  private parsed = new Map<string, ParsedFile>();
  private current = new Map<string, Pod>();
  private lastProblems: SourceProblem[] = [];
  private handler: PodSourceHandler | undefined;
  private watcher: FSWatcher | undefined;
  private rescanTimer: Timer | undefined;
  private debounceTimer: Timer | undefined;
  private scanning: Promise<void> | undefined;
  private rescanRequested = false;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly opts: ManifestDirOptions) {
    this.log = opts.log ?? silentLogger;
  }

  async start(handler: PodSourceHandler): Promise<void> {
    this.handler = handler;
    await this.scan();
    try {
      this.watcher = watch(this.opts.dir, { persistent: false }, () => { this.requestScan(); });
      this.watcher.on('error', (err) => { this.log.warn({ err: err.message }, 'watching the manifest folder failed; periodic rescans continue'); });
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err), dir: this.opts.dir }, 'cannot watch the manifest folder; periodic rescans only');
    }
    this.scheduleRescan();
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    this.rescanTimer?.cancel();
    this.debounceTimer?.cancel();
    return this.scanning ?? Promise.resolve();
  }

  pods(): Pod[] {
    return [...this.current.values()];
  }

  problems(): SourceProblem[] {
    return [...this.lastProblems];
  }

  /** Rescans now (tests, or after a write the watcher may miss). */
  async rescan(): Promise<void> {
    await this.scan();
  }

  private scheduleRescan(): void {
    if (this.stopped) return;
    this.rescanTimer = this.opts.clock.setTimer(this.opts.rescanMs ?? 20_000, () => {
      void this.scan().finally(() => { this.scheduleRescan(); });
    });
  }

  private requestScan(): void {
    if (this.stopped) return;
    this.debounceTimer?.cancel();
    this.debounceTimer = this.opts.clock.setTimer(this.opts.debounceMs ?? 200, () => { void this.scan(); });
  }

  private async scan(): Promise<void> {
    if (this.scanning !== undefined) {
      this.rescanRequested = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      do {
        this.rescanRequested = false;
        await this.scanOnce();
      } while (this.pendingRescan());
    })().finally(() => { this.scanning = undefined; });
    return this.scanning;
  }

  private pendingRescan(): boolean {
    return this.rescanRequested && !this.stopped;
  }

  private async scanOnce(): Promise<void> {
    const dir = resolve(this.opts.dir);
    const problems: SourceProblem[] = [];
    const next = new Map<string, Pod>();
    let files: string[];
    try {
      files = (await readdir(dir)).filter((f) => !f.startsWith('.')).sort();
    } catch (err) {
      this.log.warn({ dir, err: err instanceof Error ? err.message : String(err) }, 'cannot read the manifest folder');
      problems.push({ source: dir, message: err instanceof Error ? err.message : String(err) });
      this.lastProblems = problems;
      return; // keep the current pods: a transient error must not delete them
    }
    const names = new Map<string, string>();
    const parsed = new Map<string, ParsedFile>();
    for (const f of files) {
      const path = join(dir, f);
      let file: ParsedFile;
      try {
        const st = await stat(path);
        if (!st.isFile()) continue;
        const stamp = `${st.mtimeMs}/${st.ctimeMs}/${st.size}/${st.ino}`;
        const cached = this.parsed.get(path);
        if (cached?.stamp === stamp) {
          file = cached;
        } else {
          const content = await readFile(path, 'utf8');
          file = { stamp, mtime: Math.floor(st.mtimeMs), docs: parseManifestFile(path, content, this.opts.nodeName) };
        }
      } catch (err) {
        problems.push({ source: path, message: err instanceof Error ? err.message : String(err) });
        continue;
      }
      parsed.set(path, file);
      for (const d of file.docs) {
        if ('problem' in d) {
          problems.push({ source: d.where, message: d.problem });
          continue;
        }
        const { where, uid } = d;
        const prev = this.current.get(uid);
        const pod = prev ?? toStaticPod(d.doc, { nodeName: this.opts.nodeName, file: where, uid, seen: file.mtime });
        const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
        const dup = names.get(key);
        if (dup !== undefined) {
          problems.push({ source: where, message: `pod ${key} is already defined in ${dup}; skipped` });
          continue;
        }
        names.set(key, where);
        next.set(uid, pod);
      }
    }
    this.parsed = parsed;
    for (const p of problems) this.log.warn({ source: p.source, problem: p.message }, 'bad manifest skipped');
    this.lastProblems = problems;
    const prev = this.current;
    this.current = next;
    const h = this.handler;
    if (h === undefined || this.stopped) return;
    for (const uid of prev.keys()) if (!next.has(uid)) h.remove(uid);
    for (const [uid, pod] of next) if (!prev.has(uid)) h.add(pod);
  }
}
