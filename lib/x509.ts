// Minimal X.509 v3 certificates with Node's own crypto (no pure-JS RSA): the TBSCertificate is
// encoded in DER here and signed with crypto.sign. New keys are ECDSA P-256 (made in well under
// a millisecond, where an RSA 2048 key takes 50–400 ms); an existing RSA CA key can still sign.
// Only what nodelet's CA, API server and kubelet serving certificates need: a CN-only name,
// validity, basicConstraints, keyUsage, extKeyUsage, subjectAltName and key identifiers.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

// --- DER ---

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}

const seq = (...items: Buffer[]): Buffer => tlv(0x30, ...items);
const set = (...items: Buffer[]): Buffer => tlv(0x31, ...items);
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 + n, inner);
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bits = (b: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.from([unused]), b);
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const NULL = Buffer.from([0x05, 0x00]);

/** A non-negative INTEGER from its big-endian magnitude. */
function uint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return tlv(0x02, (v[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}

// --- X.509 ---

interface Element {
  tag: number;
  /** The whole element (tag, length, content). */
  raw: Buffer;
  content: Buffer;
}

function read(buf: Buffer, at = 0): Element {
  const tag = buf[at] ?? 0;
  let n = buf[at + 1] ?? 0;
  let start = at + 2;
  if (n & 0x80) {
    const count = n & 0x7f;
    n = 0;
    for (let i = 0; i < count; i++) n = n * 256 + (buf[start + i] ?? 0);
    start += count;
  }
  if (start + n > buf.length) throw new Error('x509: truncated DER');
  return { tag, raw: buf.subarray(at, start + n), content: buf.subarray(start, start + n) };
}

function children(e: Element): Element[] {
  const out: Element[] = [];
  for (let at = 0; at < e.content.length;) {
    const c = read(e.content, at);
    out.push(c);
    at += c.raw.length;
  }
  return out;
}

/** From a certificate's DER: its subject Name (as encoded) and subjectKeyIdentifier, if any. */
export function subjectOf(der: Buffer): { name: Buffer; keyId?: Buffer } {
  const tbs = children(read(der))[0];
  if (tbs === undefined) throw new Error('x509: no TBSCertificate');
  const fields = children(tbs);
  const rest = fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
  const name = rest[4];
  if (name === undefined) throw new Error('x509: no subject');
  const exts = rest.find((f) => f.tag === 0xa3);
  for (const ext of exts === undefined ? [] : children(children(exts)[0] ?? exts)) {
    const [id, ...more] = children(ext);
    if (id === undefined || !id.raw.equals(oid(OID.subjectKeyIdentifier))) continue;
    const value = more[more.length - 1];
    if (value !== undefined) return { name: name.raw, keyId: read(value.content).content };
  }
  return { name: name.raw };
}


const OID = {
  commonName: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

const KEY_USAGE_BITS = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;
export type KeyUsage = keyof typeof KEY_USAGE_BITS;

function name(cn: string): Buffer {
  return seq(set(seq(oid(OID.commonName), utf8(cn))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

/** keyUsage as a DER named bit list (trailing zero bits dropped). */
function keyUsageBits(usages: KeyUsage[]): Buffer {
  const positions = usages.map((u) => KEY_USAGE_BITS[u]);
  const top = Math.max(...positions);
  const bytes = Buffer.alloc(Math.floor(top / 8) + 1);
  for (const p of positions) bytes[Math.floor(p / 8)] = (bytes[Math.floor(p / 8)] ?? 0) | (0x80 >> (p % 8));
  return bits(bytes, 7 - (top % 8));
}

function generalName(host: string): Buffer {
  const family = isIP(host);
  if (family === 4) return tlv(0x87, Buffer.from(host.split('.').map(Number)));
  if (family === 6) return tlv(0x87, ipv6Bytes(host));
  return tlv(0x82, Buffer.from(host, 'ascii'));
}

function ipv6Bytes(ip: string): Buffer {
  let s = ip.replace(/%.*$/, '');
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4 !== null) {
    const [a = 0, b = 0, c = 0, d = 0] = v4.slice(1).map(Number);
    s = `${s.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const split = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const left = split(head);
  const right = tail === undefined ? [] : split(tail);
  const groups = tail === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.slice(0, 8).forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) & 0xffff, i * 2));
  return out;
}

/** SHA-1 of the DER public key (RFC 5280 4.2.1.2 allows any method; this one is stable per key). */
function keyId(spki: Buffer): Buffer {
  return createHash('sha1').update(spki).digest();
}

export interface CertificateSpec {
  subject: string;
  /** The issuer's name (a CN, or a Name as encoded in its certificate), key and key identifier. */
  issuer?: { name: string | Buffer; key: KeyObject; keyId?: Buffer | undefined };
  publicKey: KeyObject;
  /** Self-signed when issuer is not given. */
  signingKey?: KeyObject;
  notBefore: Date;
  notAfter: Date;
  serial?: Buffer;
  ca?: boolean;
  keyUsage: KeyUsage[];
  extKeyUsage?: ('serverAuth' | 'clientAuth')[];
  /** DNS names and IP addresses. */
  hosts?: string[];
  subjectKeyId?: boolean;
}

/** A random positive 16-byte serial number. */
export function randomSerial(): Buffer {
  const b = randomBytes(16);
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x01;
  return b;
}

/** Builds and signs a certificate; returns it as PEM. */
export function createCertificate(spec: CertificateSpec): string {
  const signer = spec.issuer?.key ?? spec.signingKey;
  if (signer === undefined) throw new Error('createCertificate: an issuer key or a signing key is needed');
  const rsa = signer.asymmetricKeyType === 'rsa';
  if (!rsa && signer.asymmetricKeyType !== 'ec') throw new Error(`createCertificate: unsupported signing key type ${String(signer.asymmetricKeyType)}`);
  const sigAlg = rsa ? seq(oid(OID.sha256WithRsa), NULL) : seq(oid(OID.ecdsaWithSha256));
  const spki = spec.publicKey.export({ type: 'spki', format: 'der' });
  const extensions: Buffer[] = [
    extension(OID.basicConstraints, true, spec.ca === true ? seq(bool(true)) : seq()),
    extension(OID.keyUsage, true, keyUsageBits(spec.keyUsage)),
  ];
  if (spec.extKeyUsage !== undefined && spec.extKeyUsage.length > 0) {
    extensions.push(extension(OID.extKeyUsage, false, seq(...spec.extKeyUsage.map((u) => oid(OID[u])))));
  }
  if (spec.hosts !== undefined && spec.hosts.length > 0) {
    extensions.push(extension(OID.subjectAltName, false, seq(...spec.hosts.map(generalName))));
  }
  if (spec.subjectKeyId === true) extensions.push(extension(OID.subjectKeyIdentifier, false, octets(keyId(spki))));
  if (spec.issuer?.keyId !== undefined) extensions.push(extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, spec.issuer.keyId))));
  const tbs = seq(
    explicit(0, uint(Buffer.from([2]))),
    uint(spec.serial ?? randomSerial()),
    sigAlg,
    typeof spec.issuer?.name === 'object' ? spec.issuer.name : name(spec.issuer?.name ?? spec.subject),
    seq(time(spec.notBefore), time(spec.notAfter)),
    name(spec.subject),
    spki,
    explicit(3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, signer);
  const der = seq(tbs, sigAlg, bits(signature));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** A new ECDSA P-256 key pair; the private key as PKCS#8 PEM. */
export function newKeyPair(): { privateKey: KeyObject; publicKey: KeyObject; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKey, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}
