import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { ContainerConfigError } from './errors.ts';
import { envVariableName, podServiceEnv, serviceEnvMap, serviceLinkVariables, SERVICES_NOT_SYNCED, type ServiceLister } from './service-env.ts';

function svc(namespace: string, name: string, clusterIP: string, ports: ServicePort[], extra: Partial<NonNullable<Service['spec']>> = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { clusterIP, ports, ...extra } };
}

const kubernetes = svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]);

const KUBERNETES_VARS = {
  KUBERNETES_SERVICE_HOST: '10.96.0.1',
  KUBERNETES_SERVICE_PORT: '443',
  KUBERNETES_SERVICE_PORT_HTTPS: '443',
  KUBERNETES_PORT: 'tcp://10.96.0.1:443',
  KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
  KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
  KUBERNETES_PORT_443_TCP_PORT: '443',
  KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
};

describe('envVariableName', () => {
  it.each([
    ['redis-primary', 'REDIS_PRIMARY'],
    ['kubernetes', 'KUBERNETES'],
    ['u-d-p', 'U_D_P'],
    ['8083', '8083'],
    ['a-b-c-1', 'A_B_C_1'],
  ])('%s → %s', (input, want) => {
    expect(envVariableName(input)).toBe(want);
  });
});

describe('serviceLinkVariables (envvars.FromServices)', () => {
  it('produces upstream\'s variables in upstream\'s order (envvars_test.go TestFromServices)', () => {
    const services = [
      svc('ns', 'foo-bar', '1.2.3.4', [{ port: 8080, protocol: 'TCP' }]),
      svc('ns', 'abc-123', '5.6.7.8', [{ name: 'u-d-p', port: 8081, protocol: 'UDP' }, { name: 't-c-p', port: 8081, protocol: 'TCP' }]),
      svc('ns', 'q-u-u-x', '9.8.7.6', [{ port: 8082, protocol: 'TCP' }, { name: '8083', port: 8083, protocol: 'TCP' }]),
      svc('ns', 'svrc-clusterip-none', 'None', [{ port: 8082, protocol: 'TCP' }]),
      svc('ns', 'svrc-clusterip-empty', '', [{ port: 8082, protocol: 'TCP' }]),
      svc('ns', 'super-ipv6', '2001:DB8::', [{ name: 'u-d-p', port: 8084, protocol: 'UDP' }, { name: 't-c-p', port: 8084, protocol: 'TCP' }]),
      svc('ns', 'sctp-1', '1.2.3.4', [{ port: 777, protocol: 'SCTP' }]),
    ];
    expect(serviceLinkVariables(services).map((v) => [v.name, v.value])).toEqual([
      ['FOO_BAR_SERVICE_HOST', '1.2.3.4'],
      ['FOO_BAR_SERVICE_PORT', '8080'],
      ['FOO_BAR_PORT', 'tcp://1.2.3.4:8080'],
      ['FOO_BAR_PORT_8080_TCP', 'tcp://1.2.3.4:8080'],
      ['FOO_BAR_PORT_8080_TCP_PROTO', 'tcp'],
      ['FOO_BAR_PORT_8080_TCP_PORT', '8080'],
      ['FOO_BAR_PORT_8080_TCP_ADDR', '1.2.3.4'],
      ['ABC_123_SERVICE_HOST', '5.6.7.8'],
      ['ABC_123_SERVICE_PORT', '8081'],
      ['ABC_123_SERVICE_PORT_U_D_P', '8081'],
      ['ABC_123_SERVICE_PORT_T_C_P', '8081'],
      ['ABC_123_PORT', 'udp://5.6.7.8:8081'],
      ['ABC_123_PORT_8081_UDP', 'udp://5.6.7.8:8081'],
      ['ABC_123_PORT_8081_UDP_PROTO', 'udp'],
      ['ABC_123_PORT_8081_UDP_PORT', '8081'],
      ['ABC_123_PORT_8081_UDP_ADDR', '5.6.7.8'],
      ['ABC_123_PORT_8081_TCP', 'tcp://5.6.7.8:8081'],
      ['ABC_123_PORT_8081_TCP_PROTO', 'tcp'],
      ['ABC_123_PORT_8081_TCP_PORT', '8081'],
      ['ABC_123_PORT_8081_TCP_ADDR', '5.6.7.8'],
      ['Q_U_U_X_SERVICE_HOST', '9.8.7.6'],
      ['Q_U_U_X_SERVICE_PORT', '8082'],
      ['Q_U_U_X_SERVICE_PORT_8083', '8083'],
      ['Q_U_U_X_PORT', 'tcp://9.8.7.6:8082'],
      ['Q_U_U_X_PORT_8082_TCP', 'tcp://9.8.7.6:8082'],
      ['Q_U_U_X_PORT_8082_TCP_PROTO', 'tcp'],
      ['Q_U_U_X_PORT_8082_TCP_PORT', '8082'],
      ['Q_U_U_X_PORT_8082_TCP_ADDR', '9.8.7.6'],
      ['Q_U_U_X_PORT_8083_TCP', 'tcp://9.8.7.6:8083'],
      ['Q_U_U_X_PORT_8083_TCP_PROTO', 'tcp'],
      ['Q_U_U_X_PORT_8083_TCP_PORT', '8083'],
      ['Q_U_U_X_PORT_8083_TCP_ADDR', '9.8.7.6'],
      ['SUPER_IPV6_SERVICE_HOST', '2001:DB8::'],
      ['SUPER_IPV6_SERVICE_PORT', '8084'],
      ['SUPER_IPV6_SERVICE_PORT_U_D_P', '8084'],
      ['SUPER_IPV6_SERVICE_PORT_T_C_P', '8084'],
      ['SUPER_IPV6_PORT', 'udp://[2001:DB8::]:8084'],
      ['SUPER_IPV6_PORT_8084_UDP', 'udp://[2001:DB8::]:8084'],
      ['SUPER_IPV6_PORT_8084_UDP_PROTO', 'udp'],
      ['SUPER_IPV6_PORT_8084_UDP_PORT', '8084'],
      ['SUPER_IPV6_PORT_8084_UDP_ADDR', '2001:DB8::'],
      ['SUPER_IPV6_PORT_8084_TCP', 'tcp://[2001:DB8::]:8084'],
      ['SUPER_IPV6_PORT_8084_TCP_PROTO', 'tcp'],
      ['SUPER_IPV6_PORT_8084_TCP_PORT', '8084'],
      ['SUPER_IPV6_PORT_8084_TCP_ADDR', '2001:DB8::'],
      ['SCTP_1_SERVICE_HOST', '1.2.3.4'],
      ['SCTP_1_SERVICE_PORT', '777'],
      ['SCTP_1_PORT', 'sctp://1.2.3.4:777'],
      ['SCTP_1_PORT_777_SCTP', 'sctp://1.2.3.4:777'],
      ['SCTP_1_PORT_777_SCTP_PROTO', 'sctp'],
      ['SCTP_1_PORT_777_SCTP_PORT', '777'],
      ['SCTP_1_PORT_777_SCTP_ADDR', '1.2.3.4'],
    ]);
  });

  it('redis-primary, port 6379 named redis (the docs\' example); protocol defaults to TCP', () => {
    expect(serviceLinkVariables([svc('ns', 'redis-primary', '10.0.0.11', [{ name: 'redis', port: 6379 }])])).toEqual([
      { name: 'REDIS_PRIMARY_SERVICE_HOST', value: '10.0.0.11' },
      { name: 'REDIS_PRIMARY_SERVICE_PORT', value: '6379' },
      { name: 'REDIS_PRIMARY_SERVICE_PORT_REDIS', value: '6379' },
      { name: 'REDIS_PRIMARY_PORT', value: 'tcp://10.0.0.11:6379' },
      { name: 'REDIS_PRIMARY_PORT_6379_TCP', value: 'tcp://10.0.0.11:6379' },
      { name: 'REDIS_PRIMARY_PORT_6379_TCP_PROTO', value: 'tcp' },
      { name: 'REDIS_PRIMARY_PORT_6379_TCP_PORT', value: '6379' },
      { name: 'REDIS_PRIMARY_PORT_6379_TCP_ADDR', value: '10.0.0.11' },
    ]);
  });

  it('skips ExternalName Services (no cluster IP) and tolerates a Service without ports', () => {
    expect(serviceLinkVariables([svc('ns', 'ext', '', [], { type: 'ExternalName', externalName: 'example.org' })])).toEqual([]);
    expect(serviceLinkVariables([svc('ns', 'bare', '10.0.0.9', [])])).toEqual([{ name: 'BARE_SERVICE_HOST', value: '10.0.0.9' }]);
  });
});

describe('serviceEnvMap (getServiceEnvVarMap)', () => {
  const redis = svc('apps', 'redis-primary', '10.96.7.7', [{ name: 'redis', port: 6379 }]);
  const web = svc('apps', 'web', '10.96.8.8', [{ port: 80 }]);
  const other = svc('other', 'db', '10.96.9.9', [{ port: 5432 }]);
  const headless = svc('apps', 'peers', 'None', [{ port: 7000 }]);
  const defaultOther = svc('default', 'frontend', '10.96.3.3', [{ port: 8080 }]);
  const all = [web, other, kubernetes, headless, redis, defaultOther];

  const cases: { name: string; services: Service[]; namespace: string; links: boolean; want: Record<string, string> }[] = [
    {
      name: 'links on: the namespace\'s Services plus default/kubernetes; other namespaces, headless and default\'s others are left out',
      services: all, namespace: 'apps', links: true,
      want: {
        ...KUBERNETES_VARS,
        REDIS_PRIMARY_SERVICE_HOST: '10.96.7.7', REDIS_PRIMARY_SERVICE_PORT: '6379', REDIS_PRIMARY_SERVICE_PORT_REDIS: '6379',
        REDIS_PRIMARY_PORT: 'tcp://10.96.7.7:6379', REDIS_PRIMARY_PORT_6379_TCP: 'tcp://10.96.7.7:6379', REDIS_PRIMARY_PORT_6379_TCP_PROTO: 'tcp',
        REDIS_PRIMARY_PORT_6379_TCP_PORT: '6379', REDIS_PRIMARY_PORT_6379_TCP_ADDR: '10.96.7.7',
        WEB_SERVICE_HOST: '10.96.8.8', WEB_SERVICE_PORT: '80', WEB_PORT: 'tcp://10.96.8.8:80', WEB_PORT_80_TCP: 'tcp://10.96.8.8:80',
        WEB_PORT_80_TCP_PROTO: 'tcp', WEB_PORT_80_TCP_PORT: '80', WEB_PORT_80_TCP_ADDR: '10.96.8.8',
      },
    },
    { name: 'links off: only the master service', services: all, namespace: 'apps', links: false, want: KUBERNETES_VARS },
    {
      name: 'pods in default see default\'s Services with links on',
      services: all, namespace: 'default', links: true,
      want: {
        ...KUBERNETES_VARS,
        FRONTEND_SERVICE_HOST: '10.96.3.3', FRONTEND_SERVICE_PORT: '8080', FRONTEND_PORT: 'tcp://10.96.3.3:8080', FRONTEND_PORT_8080_TCP: 'tcp://10.96.3.3:8080',
        FRONTEND_PORT_8080_TCP_PROTO: 'tcp', FRONTEND_PORT_8080_TCP_PORT: '8080', FRONTEND_PORT_8080_TCP_ADDR: '10.96.3.3',
      },
    },
    { name: 'pods in default with links off: only the master service', services: all, namespace: 'default', links: false, want: KUBERNETES_VARS },
    {
      name: 'a `kubernetes` Service of the pod\'s namespace wins over default\'s, whatever the list order',
      services: [svc('apps', 'kubernetes', '10.96.5.5', [{ port: 80 }]), kubernetes], namespace: 'apps', links: true,
      want: {
        KUBERNETES_SERVICE_HOST: '10.96.5.5', KUBERNETES_SERVICE_PORT: '80', KUBERNETES_PORT: 'tcp://10.96.5.5:80', KUBERNETES_PORT_80_TCP: 'tcp://10.96.5.5:80',
        KUBERNETES_PORT_80_TCP_PROTO: 'tcp', KUBERNETES_PORT_80_TCP_PORT: '80', KUBERNETES_PORT_80_TCP_ADDR: '10.96.5.5',
      },
    },
    {
      name: '… and in the other order too',
      services: [kubernetes, svc('apps', 'kubernetes', '10.96.5.5', [{ port: 80 }])], namespace: 'apps', links: true,
      want: {
        KUBERNETES_SERVICE_HOST: '10.96.5.5', KUBERNETES_SERVICE_PORT: '80', KUBERNETES_PORT: 'tcp://10.96.5.5:80', KUBERNETES_PORT_80_TCP: 'tcp://10.96.5.5:80',
        KUBERNETES_PORT_80_TCP_PROTO: 'tcp', KUBERNETES_PORT_80_TCP_PORT: '80', KUBERNETES_PORT_80_TCP_ADDR: '10.96.5.5',
      },
    },
    {
      name: 'with links off the namespace\'s own `kubernetes` is not used',
      services: [svc('apps', 'kubernetes', '10.96.5.5', [{ port: 80 }]), kubernetes], namespace: 'apps', links: false, want: KUBERNETES_VARS,
    },
    { name: 'default/kubernetes without a cluster IP (not allocated yet): nothing', services: [svc('default', 'kubernetes', '', [{ port: 443 }])], namespace: 'apps', links: true, want: {} },
    { name: 'no Services: nothing', services: [], namespace: 'apps', links: true, want: {} },
  ];

  it.each(cases)('$name', ({ services, namespace, links, want }) => {
    expect(serviceEnvMap(services, namespace, links)).toEqual(want);
  });

  it('orders by Service name, whatever the cache\'s order', () => {
    const names = (m: Record<string, string>): string[] => Object.keys(m).filter((k) => k.endsWith('_SERVICE_HOST'));
    expect(names(serviceEnvMap([web, redis, kubernetes], 'apps', true))).toEqual(['KUBERNETES_SERVICE_HOST', 'REDIS_PRIMARY_SERVICE_HOST', 'WEB_SERVICE_HOST']);
    expect(names(serviceEnvMap([kubernetes, redis, web], 'apps', true))).toEqual(['KUBERNETES_SERVICE_HOST', 'REDIS_PRIMARY_SERVICE_HOST', 'WEB_SERVICE_HOST']);
  });
});

describe('podServiceEnv', () => {
  const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({ metadata: { name: 'p', namespace: 'apps', uid: 'u' }, spec: { containers: [], ...spec } });
  const app = svc('apps', 'app', '10.96.1.2', [{ port: 80 }]);
  const lister = (synced: boolean, services: Service[]): ServiceLister => ({ hasSynced: () => synced, list: () => services });

  it('no lister (no API server): no variables, no error', () => {
    expect(podServiceEnv(pod(), undefined, false)).toEqual({});
  });

  it('enableServiceLinks defaults to true; false keeps only the master service', () => {
    const l = lister(true, [kubernetes, app]);
    expect(Object.keys(podServiceEnv(pod(), l, false))).toContain('APP_SERVICE_HOST');
    expect(podServiceEnv(pod({ enableServiceLinks: false }), l, false)).toEqual(KUBERNETES_VARS);
  });

  it('an API pod before the first list of Services: CreateContainerConfigError', () => {
    const err = (() => { try { podServiceEnv(pod(), lister(false, []), false); return undefined; } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(ContainerConfigError);
    expect(err).toMatchObject({ message: SERVICES_NOT_SYNCED, reason: 'CreateContainerConfigError' });
  });

  it('a static pod does not wait for the list: it takes what is cached', () => {
    expect(podServiceEnv(pod(), lister(false, []), true)).toEqual({});
    expect(podServiceEnv(pod({ enableServiceLinks: false }), lister(false, [kubernetes]), true)).toEqual(KUBERNETES_VARS);
  });
});
