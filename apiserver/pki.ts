// The API server's credentials, made on first start and kept under the data dir: a CA, a serving
// certificate for 127.0.0.1/localhost (and any extra names) signed by it, an admin token for
// users and a node token for agents. Later starts reuse them, so kubeconfigs stay valid.
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificate, newKeyPair, subjectOf } from '../lib/x509.ts';

export interface ServerCredentials {
  caCert: string;
  serverCert: string;
  serverKey: string;
  adminToken: string;
  nodeToken: string;
}

export interface CertificateOptions {
  /** Extra DNS names or IP addresses the serving certificate covers. */
  hosts?: string[];
}

const CA_NAME = 'nodelet-ca';

// Keys are ECDSA P-256 made by Node's crypto (an RSA 2048 key took 50–400 ms each on first start);
// a CA made by an older version (RSA) still signs new serving certificates.
export function createCertificateAuthority(now = Date.now()): { cert: string; key: string } {
  const key = newKeyPair();
  const cert = createCertificate({
    subject: CA_NAME,
    publicKey: key.publicKey,
    signingKey: key.privateKey,
    notBefore: new Date(now - 60 * 60 * 1000),
    notAfter: new Date(now + 10 * 365 * 24 * 3600 * 1000),
    ca: true,
    keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
    subjectKeyId: true,
  });
  return { cert, key: key.pem };
}

export function createServingCertificate(ca: { cert: string; key: string }, options: CertificateOptions = {}, now = Date.now()): { cert: string; key: string } {
  const key = newKeyPair();
  // the issuer exactly as the CA's certificate names itself (Go and OpenSSL match the bytes)
  const issuer = subjectOf(new X509Certificate(ca.cert).raw);
  const cert = createCertificate({
    subject: 'nodelet-apiserver',
    issuer: { name: issuer.name, key: createPrivateKey(ca.key), keyId: issuer.keyId },
    publicKey: key.publicKey,
    notBefore: new Date(now - 60 * 60 * 1000),
    notAfter: new Date(now + 5 * 365 * 24 * 3600 * 1000),
    // an ECDSA key signs; it does not encipher keys
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['serverAuth', 'clientAuth'],
    hosts: [...new Set(['127.0.0.1', 'localhost', '::1', ...(options.hosts ?? [])])],
  });
  return { cert, key: key.pem };
}

function token(): string {
  return randomBytes(24).toString('base64url');
}

function readOr(path: string, make: () => string, mode = 0o600): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const value = make();
  writeFileSync(path, value + '\n', { mode });
  return value;
}

/** Loads the credentials under dir/pki (and the tokens under dir), creating what is missing. */
export function ensureCredentials(dataDir: string, options: CertificateOptions = {}): ServerCredentials {
  const pki = join(dataDir, 'pki');
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  const caCertPath = join(pki, 'ca.crt');
  const caKeyPath = join(pki, 'ca.key');
  if (!existsSync(caCertPath) || !existsSync(caKeyPath)) {
    const ca = createCertificateAuthority();
    writeFileSync(caKeyPath, ca.key, { mode: 0o600 });
    writeFileSync(caCertPath, ca.cert, { mode: 0o644 });
  }
  const ca = { cert: readFileSync(caCertPath, 'utf8'), key: readFileSync(caKeyPath, 'utf8') };
  const certPath = join(pki, 'apiserver.crt');
  const keyPath = join(pki, 'apiserver.key');
  const hostsPath = join(pki, 'apiserver.hosts');
  const wanted = JSON.stringify([...new Set(options.hosts ?? [])].sort());
  const had = existsSync(hostsPath) ? readFileSync(hostsPath, 'utf8') : '';
  if (!existsSync(certPath) || !existsSync(keyPath) || had !== wanted) {
    const serving = createServingCertificate(ca, options);
    writeFileSync(keyPath, serving.key, { mode: 0o600 });
    writeFileSync(certPath, serving.cert, { mode: 0o644 });
    writeFileSync(hostsPath, wanted);
  }
  return {
    caCert: ca.cert,
    serverCert: readFileSync(certPath, 'utf8'),
    serverKey: readFileSync(keyPath, 'utf8'),
    adminToken: readOr(join(dataDir, 'admin-token'), token),
    nodeToken: readOr(join(dataDir, 'node-token'), token),
  };
}
