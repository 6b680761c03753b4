// The API server's credentials, made on first start and kept under the data dir: a CA, a serving
// certificate for 127.0.0.1/localhost (and any extra names) signed by it, an admin token for
// users, a node token for agents and the key that signs service-account tokens (pki/sa.key, as
// kubeadm names it). Later starts reuse them, so kubeconfigs and issued tokens stay valid.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { altNames, loadX509, newKeyPair, randomSerial, signingKey } from '../lib/x509-certs.ts';

export interface ServerCredentials {
  caCert: string;
  serverCert: string;
  serverKey: string;
  adminToken: string;
  nodeToken: string;
  /**
   * PKCS#8 PEM private key (ECDSA P-256) that signs service-account tokens; a server given
   * credentials without one signs with a key of its own that lasts as long as the process.
   */
  serviceAccountKey?: string;
}

export interface CertificateOptions {
  /** Extra DNS names or IP addresses the serving certificate covers. */
  hosts?: string[];
}

const CA_NAME = 'nodelet-ca';
const HOUR = 60 * 60 * 1000;
const YEAR = 365 * 24 * HOUR;

// Keys are ECDSA P-256 (an RSA 2048 key took 50–400 ms each on first start); a CA made by an
// older version (RSA) still signs new serving certificates.
export async function createCertificateAuthority(now = Date.now()): Promise<{ cert: string; key: string }> {
  const x509 = await loadX509();
  const key = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [CA_NAME] }],
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + 10 * YEAR),
    keys: key.keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(key.keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: key.pem };
}

export async function createServingCertificate(ca: { cert: string; key: string }, options: CertificateOptions = {}, now = Date.now()): Promise<{ cert: string; key: string }> {
  const x509 = await loadX509();
  const key = await newKeyPair();
  const caCert = new x509.X509Certificate(ca.cert);
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: ['nodelet-apiserver'] }],
    // the issuer exactly as the CA's certificate names itself (Go and OpenSSL match the names)
    issuer: caCert.subjectName,
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + 5 * YEAR),
    publicKey: key.keys.publicKey,
    signingKey: await signingKey(ca.key),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // an ECDSA key signs; it does not encipher keys
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(altNames([...new Set(['127.0.0.1', 'localhost', '::1', ...(options.hosts ?? [])])])),
      ...(caKeyId === undefined ? [] : [new x509.AuthorityKeyIdentifierExtension(caKeyId)]),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: key.pem };
}

function token(): string {
  return randomBytes(24).toString('base64url');
}

/** A new service-account token signing key: ECDSA P-256 (ES256), PKCS#8 PEM. */
export function createServiceAccountKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
}

function readOr(path: string, make: () => string, mode = 0o600): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const value = make();
  writeFileSync(path, value + '\n', { mode });
  return value;
}

/** Loads the credentials under dir/pki (and the tokens under dir), creating what is missing (only
 *  then is the certificate library loaded). */
export async function ensureCredentials(dataDir: string, options: CertificateOptions = {}): Promise<ServerCredentials> {
  const pki = join(dataDir, 'pki');
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  const caCertPath = join(pki, 'ca.crt');
  const caKeyPath = join(pki, 'ca.key');
  if (!existsSync(caCertPath) || !existsSync(caKeyPath)) {
    const ca = await createCertificateAuthority();
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
    const serving = await createServingCertificate(ca, options);
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
    serviceAccountKey: readOr(join(pki, 'sa.key'), createServiceAccountKey),
  };
}
