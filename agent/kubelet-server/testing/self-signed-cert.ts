// A throwaway self-signed serving certificate for 127.0.0.1/localhost, for tests of the HTTPS
// server; it is its own CA, so a client can trust it as is.
import { altNames, loadX509, newKeyPair } from '../../../lib/x509-certs.ts';

export async function selfSignedCert(now = Date.now()): Promise<{ cert: string; key: string }> {
  const x509 = await loadX509();
  const key = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: [{ CN: ['nodelet-kubelet-test'] }],
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 24 * 3600_000),
    keys: key.keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(altNames(['localhost', '127.0.0.1'])),
    ],
  });
  return { cert: cert.toString('pem'), key: key.pem };
}
