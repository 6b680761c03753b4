// The streaming server's certificate, like the kubelet's /var/lib/kubelet/pki/kubelet.crt: made
// self-signed on first start (CN <host>-ca@<unix time>, SANs for the node's names and addresses)
// and kept under the root dir; made again when missing, unreadable, expired or not covering the
// node's current names.
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { altNames, loadX509, newKeyPair, randomSerial } from '../../lib/x509-certs.ts';

export interface ServingCert {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  /** True when made on this call. */
  created: boolean;
}

const VALID_MS = 365 * 24 * 3600_000;

function covers(pem: string, names: string[], now: number): boolean {
  try {
    const x = new X509Certificate(pem);
    if (Date.parse(x.validTo) < now + 24 * 3600_000 || Date.parse(x.validFrom) > now) return false;
    const san = x.subjectAltName ?? '';
    return names.every((n) => san.includes(isIP(n) === 0 ? `DNS:${n}` : `IP Address:${n}`));
  } catch {
    return false;
  }
}

export async function makeSelfSignedCert(host: string, names: string[], now = Date.now()): Promise<{ cert: string; key: string }> {
  // ECDSA P-256: instant, where an RSA 2048 key took 50–400 ms on first start
  const x509 = await loadX509();
  const key = await newKeyPair();
  const seconds = String(Math.floor(now / 1000));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [`${host}@${seconds}`] }],
    issuer: [{ CN: [`${host}-ca@${seconds}`] }],
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + VALID_MS),
    publicKey: key.keys.publicKey,
    signingKey: key.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(altNames(names)),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: key.pem };
}

/** Reads <dir>/kubelet.crt and kubelet.key, or makes and writes them. */
export async function ensureServingCert(dir: string, host: string, extraNames: string[] = [], now = Date.now()): Promise<ServingCert> {
  const certFile = join(dir, 'kubelet.crt');
  const keyFile = join(dir, 'kubelet.key');
  const names = [...new Set([host, 'localhost', '127.0.0.1', ...extraNames].filter((n) => n !== ''))];
  try {
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    if (covers(cert, names, now)) return { cert, key, certFile, keyFile, created: false };
  } catch {
    // missing or unreadable: make a new pair
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const made = await makeSelfSignedCert(host, names, now);
  // key first, each written whole (a crash leaves the old pair or a complete new one)
  await writeFile(`${keyFile}.tmp`, made.key, { mode: 0o600 });
  await chmod(`${keyFile}.tmp`, 0o600);
  await rename(`${keyFile}.tmp`, keyFile);
  await writeFile(`${certFile}.tmp`, made.cert, { mode: 0o644 });
  await rename(`${certFile}.tmp`, certFile);
  return { ...made, certFile, keyFile, created: true };
}
