import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.ts';
import type { Obj } from './common.ts';
import { SERVICE_KIND, SERVICE_TABLE } from './service.ts';
import { create, created, NOW, update } from './testing.ts';

const svc = (spec: Obj, name = 'web', extra: Obj = {}): Obj => ({ metadata: { name, labels: { app: name } }, spec, ...extra });

/** What `kubectl create service clusterip web --tcp=80:8080` posts. */
const KUBECTL_CLUSTERIP = svc({ ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'web' }, type: 'ClusterIP' });

describe('Service defaults and preparation', () => {
  it('a ClusterIP service gets kube\'s defaults but no allocated IP', () => {
    const obj = created(SERVICE_KIND, KUBECTL_CLUSTERIP);
    expect(obj['spec']).toEqual({
      ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'web' }, type: 'ClusterIP',
      sessionAffinity: 'None', internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'],
    });
    expect(obj['status']).toEqual({ loadBalancer: {} });
  });

  it('defaults the type, protocols and target ports', () => {
    const obj = created(SERVICE_KIND, svc({ ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81, targetPort: 0 }, { name: 'c', port: 82, targetPort: '' }, { name: 'd', port: 83, targetPort: 'http' }] }));
    expect(obj['spec']).toMatchObject({
      type: 'ClusterIP',
      ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }, { port: 81, targetPort: 81 }, { port: 82, targetPort: 82 }, { port: 83, targetPort: 'http' }],
    });
  });

  it('externally accessible services get externalTrafficPolicy Cluster; load balancers allocateLoadBalancerNodePorts', () => {
    expect(created(SERVICE_KIND, svc({ type: 'NodePort', ports: [{ port: 80 }] }))['spec']).toMatchObject({ externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster' });
    expect(created(SERVICE_KIND, svc({ type: 'LoadBalancer', ports: [{ port: 80 }] }))['spec']).toMatchObject({ externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true });
    expect(created(SERVICE_KIND, svc({ ports: [{ port: 80 }], externalIPs: ['192.0.2.1'] }))['spec']).toMatchObject({ externalTrafficPolicy: 'Cluster' });
    expect(created(SERVICE_KIND, svc({ ports: [{ port: 80 }] }))['spec']).not.toHaveProperty('externalTrafficPolicy');
  });

  it('ClientIP affinity gets the default timeout; None drops the config', () => {
    expect(created(SERVICE_KIND, svc({ ports: [{ port: 80 }], sessionAffinity: 'ClientIP' }))['spec']).toMatchObject({ sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } });
    expect(created(SERVICE_KIND, svc({ ports: [{ port: 80 }], sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } }))['spec']).not.toHaveProperty('sessionAffinityConfig');
  });

  it('ExternalName services get no IP family fields', () => {
    const obj = created(SERVICE_KIND, svc({ type: 'ExternalName', externalName: 'example.invalid' }, 'ext'));
    expect(obj['spec']).toEqual({ type: 'ExternalName', externalName: 'example.invalid', sessionAffinity: 'None' });
  });

  it('a given clusterIP fills clusterIPs and the family', () => {
    expect(created(SERVICE_KIND, svc({ clusterIP: '10.96.0.10', ports: [{ port: 53 }] }))['spec']).toMatchObject({ clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    expect(created(SERVICE_KIND, svc({ clusterIP: 'fd00::10', ports: [{ port: 53 }] }))['spec']).toMatchObject({ clusterIPs: ['fd00::10'], ipFamilies: ['IPv6'] });
    expect(created(SERVICE_KIND, svc({ clusterIP: 'None', ports: [{ port: 53 }], selector: { app: 'x' } }))['spec']).toMatchObject({ clusterIPs: ['None'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    expect(created(SERVICE_KIND, svc({ clusterIP: 'None', ipFamilyPolicy: 'PreferDualStack' }))['spec']).toMatchObject({ ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' });
    expect(created(SERVICE_KIND, svc({ ports: [{ port: 53 }], ipFamilies: ['IPv4', 'IPv6'] }))['spec']).toMatchObject({ ipFamilyPolicy: 'RequireDualStack' });
  });
});

describe('Service validation', () => {
  const cases: [string, Obj, string[]][] = [
    ['ports are required', svc({}), ['spec.ports: Required value']],
    ['a headless service needs no ports', svc({ clusterIP: 'None' }), []],
    ['several ports need unique names', svc({ ports: [{ port: 80 }, { name: 'a', port: 81 }, { name: 'a', port: 82 }] }), [
      'spec.ports[0].name: Required value', 'spec.ports[2].name: Duplicate value: "a"',
    ]],
    ['port numbers, protocols and target ports', svc({ ports: [{ name: 'a', port: 0 }, { name: 'b', port: 70000, protocol: 'FTP', targetPort: 'no_such' }, { name: 'Bad', port: 1, targetPort: 99999 }] }), [
      'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.ports[1].protocol: Unsupported value: "FTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.ports[1].targetPort: Invalid value: "no_such": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.ports[2].name: Invalid value: "Bad": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
      'spec.ports[2].targetPort: Invalid value: 99999: must be between 1 and 65535, inclusive',
    ]],
    ['the same port and protocol twice', svc({ ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }, { name: 'c', port: 80, protocol: 'UDP' }] }), [
      'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
    ]],
    ['names are DNS-1035 labels', svc({ ports: [{ port: 80 }] }, '1web'), [
      'metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
    ]],
    ['unknown types', svc({ type: 'Weird', ports: [{ port: 80 }] }), ['spec.type: Unsupported value: "Weird": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']],
    ['ExternalName needs a name and no cluster IP', svc({ type: 'ExternalName', clusterIP: '10.0.0.1' }), [
      'spec.clusterIPs: Forbidden: may not be set for ExternalName services', 'spec.externalName: Required value',
    ]],
    ['ExternalName names are DNS subdomains (a trailing dot allowed)', svc({ type: 'ExternalName', externalName: 'Example.com.' }), [
      'spec.externalName: Invalid value: "Example.com": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    ]],
    ['NodePort and LoadBalancer services are not headless', svc({ type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] }), [
      'spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for NodePort services',
    ]],
    ['cluster IPs are IPs', svc({ clusterIP: '10.0.0.300', ports: [{ port: 80 }] }), [
      'spec.clusterIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]],
    ['clusterIPs follows clusterIP', svc({ clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.2'], ports: [{ port: 80 }] }), [
      'spec.clusterIPs: Invalid value: []string{"10.0.0.2"}: first value must match `clusterIP`',
    ]],
    ['clusterIPs alone', svc({ clusterIPs: ['10.0.0.2'], ports: [{ port: 80 }] }), [
      'spec.clusterIPs: Invalid value: []string{"10.0.0.2"}: must be empty when `clusterIP` is not specified',
    ]],
    ['two IPs of one family', svc({ clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1', '10.0.0.2'], ports: [{ port: 80 }] }), [
      'spec.clusterIPs: Invalid value: []string{"10.0.0.1", "10.0.0.2"}: may specify no more than one IP for each IP family',
    ]],
    ['families match IPs', svc({ clusterIP: '10.0.0.1', ipFamilies: ['IPv6'], ports: [{ port: 80 }] }), [
      'spec.clusterIPs[0]: Invalid value: "10.0.0.1": expected an IPv6 value as indicated by `ipFamilies[0]`',
    ]],
    ['family and policy values', svc({ ipFamilies: ['IPv5', 'IPv5'], ipFamilyPolicy: 'Sometimes', ports: [{ port: 80 }] }), [
      'spec.ipFamilies[0]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"',
      'spec.ipFamilies[1]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"',
      'spec.ipFamilies[1]: Duplicate value: "IPv5"',
      'spec.ipFamilyPolicy: Unsupported value: "Sometimes": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"',
    ]],
    ['selector labels', svc({ ports: [{ port: 80 }], selector: { app: 'a b' } }), [
      'spec.selector: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyValue\',  or \'my_value\',  or \'12345\', regex used for validation is \'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\')',
    ]],
    ['session affinity values and timeouts', svc({ ports: [{ port: 80 }], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }), [
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400',
    ]],
    ['session affinity types', svc({ ports: [{ port: 80 }], sessionAffinity: 'Sticky' }), ['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"']],
    ['external IPs are routable', svc({ ports: [{ port: 80 }], externalIPs: ['127.0.0.1', 'nope', '169.254.1.1'] }), [
      'spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'spec.externalIPs[1]: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'spec.externalIPs[2]: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
    ]],
    ['node ports, source ranges and load balancer fields need their types', svc({
      ports: [{ port: 80, nodePort: 30080 }], loadBalancerSourceRanges: ['10.0.0.0/8', 'x'], allocateLoadBalancerNodePorts: true, loadBalancerClass: 'a/b',
      externalTrafficPolicy: 'Local', healthCheckNodePort: 30000,
    }), [
      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
      "spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'",
      'spec.LoadBalancerSourceRanges[1]: Invalid value: "x": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      "spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'",
      "spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'",
      'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
      "spec.healthCheckNodePort: Invalid value: 30000: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
    ]],
    ['duplicate node ports', svc({ type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, nodePort: 30080 }] }), [
      'spec.ports[1].nodePort: Duplicate value: 30080',
    ]],
    ['traffic policies and distribution', svc({ type: 'NodePort', ports: [{ port: 80 }], externalTrafficPolicy: 'Near', internalTrafficPolicy: 'Far', trafficDistribution: 'Anywhere' }), [
      'spec.externalTrafficPolicy: Unsupported value: "Near": supported values: "Cluster", "Local"',
      'spec.internalTrafficPolicy: Unsupported value: "Far": supported values: "Cluster", "Local"',
      'spec.trafficDistribution: Unsupported value: "Anywhere": supported values: "PreferClose"',
    ]],
  ];
  for (const [name, body, want] of cases) {
    it(name, () => { expect(create(SERVICE_KIND, body).errors).toEqual(want); });
  }

  it('rejects with kube\'s 422 text', () => {
    const { obj } = create(SERVICE_KIND, svc({ type: 'ExternalName' }, 'ext'));
    const err = ApiError.invalid('Service', 'ext', SERVICE_KIND.validate(obj));
    expect(err.status.message).toBe('Service "ext" is invalid: spec.externalName: Required value');
    expect(err.status.code).toBe(422);
  });

  it('topology annotations must agree', () => {
    const body = { metadata: { name: 'web', annotations: { 'service.kubernetes.io/topology-mode': 'Auto', 'service.kubernetes.io/topology-aware-hints': 'Disabled' } }, spec: { ports: [{ port: 80 }] } };
    expect(create(SERVICE_KIND, body).errors).toEqual([
      'metadata.annotations[service.kubernetes.io/topology-mode]: Invalid value: "Auto": must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified',
    ]);
  });
});

describe('Service updates', () => {
  const base = created(SERVICE_KIND, svc({ clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }], selector: { app: 'dns' } }, 'dns'));

  it('clusterIP may not change once set', () => {
    const next = structuredClone(base);
    (next['spec'] as Obj)['clusterIP'] = '10.96.0.11';
    expect(update(SERVICE_KIND, base, next).errors).toEqual(['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set']);
  });

  it('a resubmitted manifest without clusterIP keeps it', () => {
    const { obj, errors } = update(SERVICE_KIND, base, svc({ ports: [{ name: 'dns', port: 53, protocol: 'UDP' }], selector: { app: 'dns' } }, 'dns'));
    expect(errors).toEqual([]);
    expect(obj['spec']).toMatchObject({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'] });
  });

  it('changing to ExternalName drops the fields that no longer apply', () => {
    const next = structuredClone(base);
    Object.assign(next['spec'] as Obj, { type: 'ExternalName', externalName: 'example.invalid' });
    const { obj, errors } = update(SERVICE_KIND, base, next);
    expect(errors).toEqual([]);
    expect(obj['spec']).not.toHaveProperty('clusterIP');
    expect(obj['spec']).not.toHaveProperty('ipFamilies');
    expect(obj['spec']).not.toHaveProperty('ipFamilyPolicy');
  });

  it('changing from NodePort to ClusterIP drops node ports and the external policy', () => {
    const np = created(SERVICE_KIND, svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    const next = structuredClone(np);
    (next['spec'] as Obj)['type'] = 'ClusterIP';
    const { obj, errors } = update(SERVICE_KIND, np, next);
    expect(errors).toEqual([]);
    expect((obj['spec'] as { ports: Obj[] }).ports[0]).not.toHaveProperty('nodePort');
    expect(obj['spec']).not.toHaveProperty('externalTrafficPolicy');
  });

  it('spec writes keep the status; status writes keep the spec and check the load balancer status', () => {
    const lb = created(SERVICE_KIND, svc({ type: 'LoadBalancer', ports: [{ port: 80 }] }, 'lb'));
    const withStatus = update(SERVICE_KIND, lb, { ...lb, spec: {}, status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } }, 'status');
    expect(withStatus.errors).toEqual(['status.loadBalancer.ingress[0].ipMode: Required value: must be specified when `ip` is set']);
    expect(withStatus.obj['spec']).toEqual(lb['spec']);
    const good = update(SERVICE_KIND, lb, { ...lb, status: { loadBalancer: { ingress: [{ ip: '192.0.2.1', ipMode: 'VIP' }, { hostname: '10.0.0.1' }] } } }, 'status');
    expect(good.errors).toEqual(['status.loadBalancer.ingress[1].hostname: Invalid value: "10.0.0.1": must be a DNS name, not an IP address']);
    const spec = update(SERVICE_KIND, lb, { ...lb, status: { loadBalancer: { ingress: [{ ip: '192.0.2.9' }] } } });
    expect(spec.obj['status']).toEqual({ loadBalancer: {} });
    const onClusterIP = update(SERVICE_KIND, base, { ...base, status: { loadBalancer: { ingress: [{ ip: '192.0.2.1', ipMode: 'VIP' }] } } }, 'status');
    expect(onClusterIP.errors).toEqual(["status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"]);
  });
});

describe('Service table', () => {
  const row = (body: Obj, status?: Obj): unknown[] => {
    const obj = created(SERVICE_KIND, body);
    if (status !== undefined) obj['status'] = status;
    return SERVICE_TABLE.row(obj, NOW).cells;
  };

  it('prints kubectl\'s columns with <none> and <pending>', () => {
    expect(SERVICE_TABLE.columns.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0], ['Type', 0], ['Cluster-IP', 0], ['External-IP', 0], ['Port(s)', 0], ['Age', 0], ['Selector', 1],
    ]);
    expect(row(KUBECTL_CLUSTERIP)).toEqual(['web', 'ClusterIP', '<none>', '<none>', '80/TCP', '5m', 'app=web']);
    expect(row(svc({ clusterIP: '10.96.0.10', type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP' }] }))).toEqual(
      ['web', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP,53/UDP', '5m', '<none>']);
    expect(row(svc({ type: 'LoadBalancer', ports: [{ port: 443 }] }))).toEqual(['web', 'LoadBalancer', '<none>', '<pending>', '443/TCP', '5m', '<none>']);
    expect(row(svc({ type: 'LoadBalancer', ports: [{ port: 443 }], externalIPs: ['192.0.2.7'] }),
      { loadBalancer: { ingress: [{ ip: '192.0.2.2' }, { hostname: 'lb.example.com' }] } })).toEqual(
      ['web', 'LoadBalancer', '<none>', '192.0.2.2,lb.example.com,192.0.2.7', '443/TCP', '5m', '<none>']);
    expect(row(svc({ type: 'ExternalName', externalName: 'example.invalid' }, 'ext'))).toEqual(['ext', 'ExternalName', '<none>', 'example.invalid', '<none>', '5m', '<none>']);
    expect(row(svc({ clusterIP: 'None', ports: [{ port: 80 }], selector: { b: '2', a: '1' } }))).toEqual(['web', 'ClusterIP', 'None', '<none>', '80/TCP', '5m', 'a=1,b=2']);
  });
});
