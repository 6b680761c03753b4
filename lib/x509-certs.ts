// Certificates are made with @peculiar/x509 on Node's WebCrypto. The library (and the Reflect
// polyfill its dependency injection needs) takes ~100 ms to load, so it is imported only when a
// certificate must be made: a start that finds its certificates never loads it.
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

export type X509 = typeof import('@peculiar/x509');

let loading: Promise<X509> | undefined;

/** @peculiar/x509, loaded on first use with Node's WebCrypto as its provider. */
export function loadX509(): Promise<X509> {
  loading ??= (async () => {
    await import('reflect-metadata'); // tsyringe (used by the library) needs it before it loads
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto);
    return x509;
  })();
  return loading;
}

const P256: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };

/** A new ECDSA P-256 key pair; the private key as PKCS#8 PEM ("PRIVATE KEY"). */
export async function newKeyPair(): Promise<{ keys: CryptoKeyPair; pem: string }> {
  const keys = await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']);
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const pem = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { keys, pem };
}

/** A CA's private key (PEM, PKCS#8, SEC1 or PKCS#1) as a WebCrypto signing key: ECDSA P-256, or
 *  RSA for a CA made by an older version. */
export async function signingKey(pem: string): Promise<CryptoKey> {
  const key = createPrivateKey(pem);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  if (key.asymmetricKeyType === 'rsa') {
    return webcrypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return webcrypto.subtle.importKey('pkcs8', der, P256, false, ['sign']);
  }
  throw new Error(`unsupported CA key: ${String(key.asymmetricKeyType)} ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim());
}

/** A random positive 16-byte serial number, in hex. */
export function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x01;
  return b.toString('hex');
}

/** The subjectAltName entries for DNS names and IP addresses. An IPv6 address is given to the
 *  library in its canonical hex form (the URL parser writes an embedded IPv4 part as hex), as the
 *  library reads each group as hex; a zone is dropped. */
export function altNames(hosts: string[]): { type: 'dns' | 'ip'; value: string }[] {
  return hosts.map((h) => {
    const family = isIP(h);
    if (family === 0) return { type: 'dns', value: h };
    if (family === 4) return { type: 'ip', value: h };
    return { type: 'ip', value: new URL(`http://[${h.replace(/%.*$/, '')}]`).hostname.slice(1, -1) };
  });
}
