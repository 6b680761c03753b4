// The admin kubeconfig the server writes for kubectl: HTTPS, the CA inline, a bearer token.
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  caCert: string;
  token: string;
  user?: string;
  cluster?: string;
  namespace?: string;
}

export function renderKubeconfig(o: KubeconfigOptions): string {
  const cluster = o.cluster ?? 'nodelet';
  const user = o.user ?? 'admin';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: o.server, 'certificate-authority-data': Buffer.from(o.caCert).toString('base64') } }],
    users: [{ name: user, user: { token: o.token } }],
    contexts: [{ name: cluster, context: { cluster, user, namespace: o.namespace ?? 'default' } }],
    'current-context': cluster,
    preferences: {},
  });
}
