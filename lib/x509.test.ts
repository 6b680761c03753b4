import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCertificate, newKeyPair, subjectOf } from './x509.ts';

const now = Date.UTC(2026, 0, 2, 3, 4, 5);

function ca(): { pem: string; key: ReturnType<typeof newKeyPair> } {
  const key = newKeyPair();
  const pem = createCertificate({
    subject: 'test-ca', publicKey: key.publicKey, signingKey: key.privateKey,
    notBefore: new Date(now - 3600_000), notAfter: new Date(now + 10 * 365 * 86400_000),
    ca: true, keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'], subjectKeyId: true,
  });
  return { pem, key };
}

function openssl(args: string[]): { ok: boolean; out: string } | undefined {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error !== undefined) return undefined;
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

describe('createCertificate', () => {
  it('makes a CA and a leaf it signs, with SANs, usages and key identifiers', () => {
    const root = ca();
    const rootCert = new X509Certificate(root.pem);
    expect(rootCert.ca).toBe(true);
    expect(rootCert.subject).toBe('CN=test-ca');
    expect(rootCert.verify(root.key.publicKey)).toBe(true);
    expect(rootCert.checkPrivateKey(createPrivateKey(root.key.pem))).toBe(true);

    const leafKey = newKeyPair();
    const issuer = subjectOf(rootCert.raw);
    expect(issuer.keyId?.length).toBe(20);
    const pem = createCertificate({
      subject: 'leaf', issuer: { name: issuer.name, key: root.key.privateKey, keyId: issuer.keyId },
      publicKey: leafKey.publicKey,
      notBefore: new Date(now - 3600_000), notAfter: new Date(Date.UTC(2051, 5, 1)),
      keyUsage: ['digitalSignature'], extKeyUsage: ['serverAuth', 'clientAuth'],
      hosts: ['127.0.0.1', 'localhost', '::1', 'fe80::1:2', '::ffff:10.0.0.1', 'node-a.example'],
    });
    const leaf = new X509Certificate(pem);
    expect(leaf.ca).toBe(false);
    expect(leaf.issuer).toBe('CN=test-ca');
    expect(leaf.checkIssued(rootCert)).toBe(true);
    expect(leaf.verify(root.key.publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(leafKey.privateKey)).toBe(true);
    expect(leaf.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, IP Address:0:0:0:0:0:0:0:1, IP Address:FE80:0:0:0:0:0:1:2, IP Address:0:0:0:0:0:FFFF:A00:1, DNS:node-a.example');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(new Date(leaf.validFrom).getTime()).toBe(now - 3600_000);
    expect(new Date(leaf.validTo).getTime()).toBe(Date.UTC(2051, 5, 1)); // GeneralizedTime after 2049
    expect(leaf.checkHost('node-a.example')).toBe('node-a.example');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.serialNumber).toMatch(/^[0-9A-F]{32}$/);

    // OpenSSL (what Node's TLS uses) accepts the chain for a TLS server, when it is installed
    const dir = mkdtempSync(join(tmpdir(), 'nodelet-x509-'));
    try {
      writeFileSync(join(dir, 'ca.crt'), root.pem);
      writeFileSync(join(dir, 'leaf.crt'), pem);
      const r = openssl(['verify', '-purpose', 'sslserver', '-attime', String(Math.floor(now / 1000)), '-CAfile', join(dir, 'ca.crt'), join(dir, 'leaf.crt')]);
      if (r !== undefined) expect(r.out).toContain('OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('signs with an RSA CA key (CAs made by older versions)', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rootPem = createCertificate({
      subject: 'old-ca', publicKey: rsa.publicKey, signingKey: rsa.privateKey,
      notBefore: new Date(now), notAfter: new Date(now + 86400_000), ca: true, keyUsage: ['keyCertSign'],
    });
    const leafKey = newKeyPair();
    const leaf = new X509Certificate(createCertificate({
      subject: 'leaf', issuer: { name: subjectOf(new X509Certificate(rootPem).raw).name, key: rsa.privateKey },
      publicKey: leafKey.publicKey, notBefore: new Date(now), notAfter: new Date(now + 86400_000), keyUsage: ['digitalSignature'],
    }));
    expect(leaf.verify(rsa.publicKey)).toBe(true);
    expect(leaf.checkIssued(new X509Certificate(rootPem))).toBe(true);
  });
});
