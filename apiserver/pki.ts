// The API server's credentials, made on first start and kept under the data dir: a CA, a serving
// certificate for 127.0.0.1/localhost (and any extra names) signed by it, an admin token for
// users and a node token for agents. Later starts reuse them, so kubeconfigs stay valid.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import forge from 'node-forge';

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

function rsaKey(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function serial(): string {
  // Positive, 16 bytes.
  return '01' + randomBytes(15).toString('hex');
}

export function createCertificateAuthority(now = Date.now()): { cert: string; key: string } {
  const key = rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(key.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + 10 * 365 * 24 * 3600 * 1000);
  const subject = [{ name: 'commonName', value: 'nodelet-ca' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(key.privatePem), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: key.privatePem };
}

export function createServingCertificate(ca: { cert: string; key: string }, options: CertificateOptions = {}, now = Date.now()): { cert: string; key: string } {
  const key = rsaKey();
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(key.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + 5 * 365 * 24 * 3600 * 1000);
  cert.setSubject([{ name: 'commonName', value: 'nodelet-apiserver' }]);
  cert.setIssuer(caCert.subject.attributes);
  const hosts = [...new Set(['127.0.0.1', 'localhost', '::1', ...(options.hosts ?? [])])];
  const altNames = hosts.map((h) => (isIP(h) !== 0 ? { type: 7, ip: h } : { type: 2, value: h }));
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: key.privatePem };
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
