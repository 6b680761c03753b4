import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { Registry } from '../registry/registry.ts';
import { bootstrapPolicy, bootstrapRbac } from '../registry/rbac-bootstrap.ts';
import type { ResourceStore } from '../registry/resource-store.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import type { KubeObject } from '../storage/types.ts';
import { failure } from '../testing/failure.ts';
import { CLUSTER_ROLE_BINDING_TABLE, ROLE_BINDING_TABLE, ROLE_TABLE } from './rbac/tables.ts';
import { bootstrapRegistry } from '../registry/bootstrap.ts';

const RBAC = 'rbac.authorization.k8s.io';
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

async function setup(): Promise<{ reg: Registry; clock: FakeClock; store: (r: string) => ResourceStore }> {
  const clock = new FakeClock(T0);
  const reg = new Registry(createMemoryStorage(), clock);
  await bootstrapRegistry(reg);
  return { reg, clock, store: (r) => reg.store(RBAC, 'v1', r) };
}

const role = (name: string, rules: unknown[]): KubeObject => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name }, rules });
const clusterRole = (name: string, extra: Record<string, unknown>): KubeObject => ({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name }, ...extra });
const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, roleRef: unknown, subjects: unknown[]): KubeObject => ({
  apiVersion: `${RBAC}/v1`, kind, metadata: { name }, roleRef, subjects,
});

describe('RBAC kinds', () => {
  it('defaults a binding\'s roleRef group and its subjects\' groups by kind (ServiceAccount: none)', async () => {
    const { store } = await setup();
    const rb = await store('rolebindings').create('default', binding('RoleBinding', 'rb', { kind: 'ClusterRole', name: 'view' }, [
      { kind: 'User', name: 'alice' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'default', namespace: 'default' },
    ]));
    expect(rb['roleRef']).toEqual({ kind: 'ClusterRole', name: 'view', apiGroup: RBAC });
    expect(rb['subjects']).toEqual([
      { kind: 'User', name: 'alice', apiGroup: RBAC }, { kind: 'Group', name: 'devs', apiGroup: RBAC },
      { kind: 'ServiceAccount', name: 'default', namespace: 'default' },
    ]);
  });

  it('validates rules in kube\'s words', async () => {
    const { store } = await setup();
    expect(await failure(store('roles').create('default', role('r', [{ apiGroups: [''], resources: ['pods'] }]))))
      .toBe('422 Role.rbac.authorization.k8s.io "r" is invalid: rules[0].verbs: Required value: verbs must contain at least one value');
    expect(await failure(store('roles').create('default', role('r', [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }]))))
      .toBe('422 Role.rbac.authorization.k8s.io "r" is invalid: rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs');
    expect(await failure(store('clusterroles').create(undefined, clusterRole('c', { rules: [{ verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }] }))))
      .toBe('422 ClusterRole.rbac.authorization.k8s.io "c" is invalid: rules[0].nonResourceURLs: Invalid value: []string{"/x"}: rules cannot apply to both regular resources and non-resource URLs');
    expect(await failure(store('roles').create('default', role('r', [{ verbs: ['get'] }]))))
      .toBe('422 Role.rbac.authorization.k8s.io "r" is invalid: [rules[0].apiGroups: Required value: resource rules must supply at least one api group, rules[0].resources: Required value: resource rules must supply at least one resource]');
    expect(await failure(store('roles').create('default', role('r', [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'secrets'], resourceNames: ['x'] }]))))
      .toBe('422 Role.rbac.authorization.k8s.io "r" is invalid: rules[0].resourceNames: Required value: resource names cannot apply to multiple resources');
    // names are path segments: system:… is fine, a slash is not
    await store('clusterroles').create(undefined, clusterRole('system:thing', { rules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] }));
    expect(await failure(store('roles').create('default', role('a/b', []))))
      .toBe('422 Role.rbac.authorization.k8s.io "a/b" is invalid: metadata.name: Invalid value: "a/b": may not contain \'/\'');
  });

  it('accepts an aggregationRule and checks its selectors', async () => {
    const { store } = await setup();
    const agg = await store('clusterroles').create(undefined, clusterRole('agg', { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/agg': 'true' } }] } }));
    expect(agg['aggregationRule']).toEqual({ clusterRoleSelectors: [{ matchLabels: { 'example.com/agg': 'true' } }] });
    expect(await failure(store('clusterroles').create(undefined, clusterRole('agg2', { aggregationRule: {} }))))
      .toBe('422 ClusterRole.rbac.authorization.k8s.io "agg2" is invalid: aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil');
    expect(await failure(store('clusterroles').create(undefined, clusterRole('agg3', { aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'In' }] }] } }))))
      .toBe("422 ClusterRole.rbac.authorization.k8s.io \"agg3\" is invalid: aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'");
  });

  it('validates bindings: roleRef, subjects, a ClusterRoleBinding\'s ServiceAccount namespace', async () => {
    const { store } = await setup();
    expect(await failure(store('rolebindings').create('default', binding('RoleBinding', 'rb', undefined, []))))
      .toBe('422 RoleBinding.rbac.authorization.k8s.io "rb" is invalid: [roleRef.kind: Unsupported value: "": supported values: "Role", "ClusterRole", roleRef.name: Required value]');
    expect(await failure(store('clusterrolebindings').create(undefined, binding('ClusterRoleBinding', 'crb', { kind: 'Role', name: 'x' }, [{ kind: 'ServiceAccount', name: 'default' }]))))
      .toBe('422 ClusterRoleBinding.rbac.authorization.k8s.io "crb" is invalid: [roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", subjects[0].namespace: Required value]');
    expect(await failure(store('rolebindings').create('default', binding('RoleBinding', 'rb', { kind: 'Role', name: 'r', apiGroup: 'x' }, [
      { kind: 'Robot', name: 'r2' }, { kind: 'User', name: '' }, { kind: 'ServiceAccount', name: 'Bad_Name', apiGroup: 'v1' }, { kind: 'Group', name: 'g', apiGroup: 'x' },
    ])))).toBe('422 RoleBinding.rbac.authorization.k8s.io "rb" is invalid: [roleRef.apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io", '
      + 'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group", subjects[1].name: Required value, '
      + 'subjects[1].name: Invalid value: "": user name cannot be empty, '
      + 'subjects[2].name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\'), '
      + 'subjects[2].apiGroup: Unsupported value: "v1": supported values: "", subjects[3].apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io"]');
  });

  it('refuses to change a binding\'s roleRef, and takes other changes', async () => {
    const { store } = await setup();
    const rbs = store('rolebindings');
    await rbs.create('default', binding('RoleBinding', 'rb', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'alice' }]));
    expect(await failure(rbs.patch('default', 'rb', 'merge', { roleRef: { name: 'edit' } }, undefined)))
      .toBe('422 RoleBinding.rbac.authorization.k8s.io "rb" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef');
    const updated = await rbs.patch('default', 'rb', 'merge', { subjects: [{ kind: 'User', name: 'bob' }] }, undefined);
    expect(updated['subjects']).toEqual([{ kind: 'User', name: 'bob', apiGroup: RBAC }]);
    const crbs = store('clusterrolebindings');
    const e = await failure(crbs.patch(undefined, 'cluster-admin', 'merge', { roleRef: { name: 'view' } }, undefined));
    expect(e).toContain('roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef');
  });

  it('prints roles with CREATED AT and bindings with ROLE, AGE and the subjects (wide)', () => {
    const now = T0 + 90_000;
    expect(ROLE_TABLE.columns.map((c) => [c.name, c.type])).toEqual([['Name', 'string'], ['Created At', 'date']]);
    expect(ROLE_TABLE.row({ metadata: { name: 'r', creationTimestamp: '2026-11-23T12:00:00Z' } }, now).cells).toEqual(['r', '2026-11-23T12:00:00Z']);
    expect(ROLE_BINDING_TABLE.columns.map((c) => `${c.name}/${c.priority}`)).toEqual(['Name/0', 'Role/0', 'Age/0', 'Users/1', 'Groups/1', 'ServiceAccounts/1']);
    expect(CLUSTER_ROLE_BINDING_TABLE.columns[3]?.description).toBe('Users in the clusterRoleBinding');
    const rb = {
      metadata: { name: 'rb', creationTimestamp: '2026-11-23T12:00:00Z' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', name: 'a' }, { kind: 'User', name: 'b' }, { kind: 'Group', name: 'g' }, { kind: 'ServiceAccount', name: 's', namespace: 'ns' }, { kind: 'ServiceAccount', name: 't' }],
    };
    expect(ROLE_BINDING_TABLE.row(rb, now).cells).toEqual(['rb', 'ClusterRole/view', '90s', 'a, b', 'g', 'ns:s, t']);
  });

  it('bootstraps the default cluster roles and bindings once, leaving changed ones alone', async () => {
    const { reg, store } = await setup();
    const names = (await store('clusterroles').list(undefined)).items.map((r) => r.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['cluster-admin', 'admin', 'edit', 'view', 'system:public-info-viewer', 'system:basic-user', 'system:discovery']));
    const admin = await store('clusterrolebindings').get(undefined, 'cluster-admin');
    expect(admin['subjects']).toEqual([{ apiGroup: RBAC, kind: 'Group', name: 'system:masters' }]);
    const piv = await store('clusterrolebindings').get(undefined, 'system:public-info-viewer');
    expect(piv['subjects']).toEqual([{ apiGroup: RBAC, kind: 'Group', name: 'system:authenticated' }, { apiGroup: RBAC, kind: 'Group', name: 'system:unauthenticated' }]);
    const edit = await store('clusterroles').get(undefined, 'edit');
    expect(edit['aggregationRule']).toEqual({ clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }] });
    expect(edit.metadata?.['labels']).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' });
    await store('clusterroles').patch(undefined, 'view', 'merge', { metadata: { labels: { mine: 'yes' } } }, undefined);
    await bootstrapRbac(reg);
    expect((await store('clusterroles').get(undefined, 'view')).metadata?.['labels']).toMatchObject({ mine: 'yes' });
    expect((await store('clusterroles').list(undefined)).items).toHaveLength(bootstrapPolicy().filter((o) => o.kind === 'ClusterRole').length);
  });
});
