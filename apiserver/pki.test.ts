import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadX509 } from '../lib/x509-certs.ts';
import { createCertificateAuthority, createServingCertificate, ensureCredentials } from './pki.ts';

// the serving certificate (5 years) then ends after 2049: GeneralizedTime instead of UTCTime
const now = Date.UTC(2046, 0, 2, 3, 4, 5);

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'nodelet-pki-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

/** OpenSSL (what Node's TLS uses) on the chain for a TLS server; undefined when not installed. */
function opensslVerify(caPem: string, leafPem: string, at: number): string | undefined {
  writeFileSync(join(dir, 'verify-ca.crt'), caPem);
  writeFileSync(join(dir, 'verify-leaf.crt'), leafPem);
  const r = spawnSync('openssl', ['verify', '-purpose', 'sslserver', '-attime', String(Math.floor(at / 1000)),
    '-CAfile', join(dir, 'verify-ca.crt'), join(dir, 'verify-leaf.crt')], { encoding: 'utf8' });
  return r.error === undefined ? `${r.stdout}${r.stderr}` : undefined;
}

/** A certificate's subject or authority key identifier (hex), found by the extension's encoded OID. */
function keyIdentifier(cert: X509Certificate, oid: 'ski' | 'aki'): string | undefined {
  const hex = cert.raw.toString('hex');
  // 2.5.29.14 / 2.5.29.35, then OCTET STRING { OCTET STRING (SKI) | SEQUENCE { [0] keyId } }
  const m = oid === 'ski' ? /0603551d0e0416(0414[0-9a-f]{40})/.exec(hex) : /0603551d23041830168014([0-9a-f]{40})/.exec(hex);
  return m?.[1]?.replace(/^0414/, '');
}

/** A CA as versions before ECDSA made it: an RSA 2048 key as PKCS#1 PEM ("RSA PRIVATE KEY"). */
async function legacyRsaCa(at = now): Promise<{ cert: string; key: string; publicKey: KeyObject }> {
  const x509 = await loadX509();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), alg, true, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), alg, true, ['verify']),
  };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=nodelet-ca', notBefore: new Date(at - 3600_000), notAfter: new Date(at + 10 * 365 * 86400_000), keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const key = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  expect(key).toContain('BEGIN RSA PRIVATE KEY');
  return { cert: cert.toString('pem'), key, publicKey };
}

describe('createCertificateAuthority / createServingCertificate', () => {
  it('makes an ECDSA CA and a serving certificate it signs, with SANs, usages and key identifiers', async () => {
    const ca = await createCertificateAuthority(now);
    const caCert = new X509Certificate(ca.cert);
    expect(ca.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/); // PKCS#8
    expect(createPrivateKey(ca.key).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(caCert.ca).toBe(true);
    expect(caCert.subject).toBe('CN=nodelet-ca');
    expect(caCert.issuer).toBe('CN=nodelet-ca');
    expect(caCert.verify(caCert.publicKey)).toBe(true);
    expect(caCert.checkPrivateKey(createPrivateKey(ca.key))).toBe(true);
    expect(new Date(caCert.validFrom).getTime()).toBe(now - 3600_000);
    expect(new Date(caCert.validTo).getTime()).toBe(now + 10 * 365 * 86400_000);
    expect(caCert.toLegacyObject().ext_key_usage).toBeUndefined();

    const serving = await createServingCertificate(ca, { hosts: ['fe80::1:2', '::ffff:10.0.0.1', 'node-a.example', '10.1.2.3'] }, now);
    const leaf = new X509Certificate(serving.cert);
    expect(serving.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(leaf.checkPrivateKey(createPrivateKey(serving.key))).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.subject).toBe('CN=nodelet-apiserver');
    expect(leaf.issuer).toBe('CN=nodelet-ca');
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, IP Address:0:0:0:0:0:0:0:1, IP Address:FE80:0:0:0:0:0:1:2, IP Address:0:0:0:0:0:FFFF:A00:1, DNS:node-a.example, IP Address:10.1.2.3');
    expect(leaf.checkHost('node-a.example')).toBe('node-a.example');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']); // serverAuth, clientAuth
    expect(new Date(leaf.validFrom).getTime()).toBe(now - 3600_000);
    expect(new Date(leaf.validTo).getTime()).toBe(now + 5 * 365 * 86400_000);
    expect(leaf.serialNumber).toMatch(/^[0-9A-F]{32}$/);
    expect(leaf.serialNumber).not.toBe(caCert.serialNumber);
    // the authority key identifier is the CA's subject key identifier
    expect(keyIdentifier(caCert, 'ski')).toMatch(/^[0-9a-f]{40}$/);
    expect(keyIdentifier(leaf, 'aki')).toBe(keyIdentifier(caCert, 'ski'));

    const ok = opensslVerify(ca.cert, serving.cert, now);
    if (ok !== undefined) expect(ok).toContain('OK');
  });

  it('signs with an RSA CA made by an older version, naming it as its certificate does', async () => {
    const ca = await legacyRsaCa();
    const caCert = new X509Certificate(ca.cert);
    const serving = await createServingCertificate(ca, {}, now);
    const leaf = new X509Certificate(serving.cert);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.issuer).toBe(caCert.subject);
    // the issuer as the CA's certificate encodes its subject (Go matches these bytes): CN as a PrintableString
    const caName = Buffer.concat([Buffer.from('3015311330110603550403130a', 'hex'), Buffer.from('nodelet-ca')]);
    expect(caCert.raw.indexOf(caName)).toBeGreaterThan(0);
    expect(leaf.raw.indexOf(caName)).toBeGreaterThan(0);
    expect(createPrivateKey(serving.key).asymmetricKeyType).toBe('ec');
    expect(keyIdentifier(leaf, 'aki')).toBe(keyIdentifier(caCert, 'ski'));
    const ok = opensslVerify(ca.cert, serving.cert, now);
    if (ok !== undefined) expect(ok).toContain('OK');
  });
});

describe('ensureCredentials', () => {
  it('makes the CA, serving certificate and tokens once, then reuses them; new hosts make a new serving certificate', async () => {
    const first = await ensureCredentials(dir, { hosts: ['127.0.0.1'] });
    expect(new X509Certificate(first.serverCert).checkIssued(new X509Certificate(first.caCert))).toBe(true);
    expect(first.adminToken).not.toBe(first.nodeToken);
    const again = await ensureCredentials(dir, { hosts: ['127.0.0.1'] });
    expect(again).toEqual(first);

    const more = await ensureCredentials(dir, { hosts: ['127.0.0.1', 'node-a.example'] });
    expect(more.caCert).toBe(first.caCert);
    expect(more.serverCert).not.toBe(first.serverCert);
    expect(new X509Certificate(more.serverCert).subjectAltName).toContain('DNS:node-a.example');
    expect(more.adminToken).toBe(first.adminToken);
  });

  it('keeps an existing RSA CA from an older version and signs the serving certificate with it', async () => {
    const ca = await legacyRsaCa(Date.now());
    mkdirSync(join(dir, 'pki'));
    writeFileSync(join(dir, 'pki', 'ca.crt'), ca.cert);
    writeFileSync(join(dir, 'pki', 'ca.key'), ca.key);
    const creds = await ensureCredentials(dir);
    expect(creds.caCert).toBe(ca.cert);
    expect(readFileSync(join(dir, 'pki', 'ca.key'), 'utf8')).toBe(ca.key);
    const leaf = new X509Certificate(creds.serverCert);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    const ok = opensslVerify(ca.cert, creds.serverCert, Date.now());
    if (ok !== undefined) expect(ok).toContain('OK');
  });
});
