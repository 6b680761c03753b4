// Reads a kubeconfig (the current context, or a named one) into what ApiClient needs: server
// URL, CA, bearer token (inline or tokenFile), default namespace.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { NodeletError } from '../../lib/errors.ts';

export interface ClusterConnection {
  server: string;
  /** PEM CA bundle; undefined uses the system roots. */
  ca?: string;
  token?: string;
  insecureSkipTLSVerify?: boolean;
  namespace: string;
}

type Obj = Record<string, unknown>;

function rec(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

function named(list: unknown, name: string, what: string, key: string): Obj {
  const found = (Array.isArray(list) ? list : []).map(rec).find((e) => e['name'] === name);
  if (found === undefined) throw new NodeletError('kubeconfig.invalid', `kubeconfig has no ${what} named "${name}"`);
  return rec(found[key]);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function parseKubeconfig(text: string, baseDir = '.', context?: string): ClusterConnection {
  const doc = rec(parse(text) as unknown);
  const ctxName = context ?? str(doc['current-context']);
  if (ctxName === undefined) throw new NodeletError('kubeconfig.invalid', 'kubeconfig has no current-context');
  const ctx = named(doc['contexts'], ctxName, 'context', 'context');
  const cluster = named(doc['clusters'], str(ctx['cluster']) ?? '', 'cluster', 'cluster');
  const user = str(ctx['user']) === undefined ? {} : named(doc['users'], str(ctx['user']) ?? '', 'user', 'user');
  const server = str(cluster['server']);
  if (server === undefined) throw new NodeletError('kubeconfig.invalid', `cluster of context "${ctxName}" has no server`);
  const resolve = (p: string): string => (isAbsolute(p) ? p : join(baseDir, p));
  const conn: ClusterConnection = { server: server.replace(/\/+$/, ''), namespace: str(ctx['namespace']) ?? 'default' };
  const caData = str(cluster['certificate-authority-data']);
  const caFile = str(cluster['certificate-authority']);
  if (caData !== undefined) conn.ca = Buffer.from(caData, 'base64').toString('utf8');
  else if (caFile !== undefined) conn.ca = readFileSync(resolve(caFile), 'utf8');
  if (cluster['insecure-skip-tls-verify'] === true) conn.insecureSkipTLSVerify = true;
  const token = str(user['token']);
  const tokenFile = str(user['tokenFile']);
  if (token !== undefined) conn.token = token;
  else if (tokenFile !== undefined) conn.token = readFileSync(resolve(tokenFile), 'utf8').trim();
  return conn;
}

export function loadKubeconfig(path: string, context?: string): ClusterConnection {
  return parseKubeconfig(readFileSync(path, 'utf8'), dirname(path), context);
}
