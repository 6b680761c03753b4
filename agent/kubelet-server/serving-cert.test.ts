import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureServingCert } from './serving-cert.ts';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'nodelet-pki-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe('ensureServingCert', () => {
  it('makes a self-signed pair on first start covering the node names, then reuses it', async () => {
    const first = await ensureServingCert(join(dir, 'pki'), 'node-a', ['10.0.0.5']);
    expect(first.created).toBe(true);
    const x = new X509Certificate(first.cert);
    expect(x.subjectAltName).toContain('DNS:node-a');
    expect(x.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x.subjectAltName).toContain('IP Address:10.0.0.5');
    expect(x.checkPrivateKey((await import('node:crypto')).createPrivateKey(first.key))).toBe(true);
    expect((await stat(first.keyFile)).mode & 0o777).toBe(0o600);
    const again = await ensureServingCert(join(dir, 'pki'), 'node-a', ['10.0.0.5']);
    expect(again.created).toBe(false);
    expect(again.cert).toBe(first.cert);
  });

  it('makes a new pair when the names changed or the file is garbage', async () => {
    const first = await ensureServingCert(dir, 'node-a');
    const renamed = await ensureServingCert(dir, 'node-b');
    expect(renamed.created).toBe(true);
    expect(renamed.cert).not.toBe(first.cert);
    await writeFile(renamed.certFile, 'garbage');
    expect((await ensureServingCert(dir, 'node-b')).created).toBe(true);
  });
});
