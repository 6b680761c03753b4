// How `kubectl get` prints roles, clusterroles, rolebindings and clusterrolebindings: the columns
// of pkg/printers/internalversion/printers.go (1.32; the bindings' Role column is described by
// the rbac/v1beta1 field docs) and printRole/printClusterRole (creation time as RFC 3339) and
// printRoleBinding/printClusterRoleBinding (Kind/name of the role; wide: the subjects by kind).
import { AGE, NAME, translateTimestampSince, type TableColumnDefinition, type TableSpec } from '../../api/tables.ts';
import { obj, objs, str } from './go-values.ts';

function column(name: string, type: string, description: string, priority = 0): TableColumnDefinition {
  return { name, type, format: '', description, priority };
}

const CREATED_AT = column('Created At', 'date', AGE.description);

/** Roles and cluster roles: NAME, CREATED AT. */
export const ROLE_TABLE: TableSpec = {
  columns: [NAME, CREATED_AT],
  row(o) {
    const m = obj(o['metadata']);
    const created = Date.parse(str(m['creationTimestamp']));
    // metav1.Time's zero value formats as the year 1
    const cell = Number.isNaN(created) ? '0001-01-01T00:00:00Z' : new Date(created).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { cells: [str(m['name']), cell] };
  },
};

/** rbac.SubjectsStrings: users, groups, service accounts (namespace:name) and others. */
export function subjectsStrings(subjects: unknown): { users: string[]; groups: string[]; serviceAccounts: string[] } {
  const out = { users: [] as string[], groups: [] as string[], serviceAccounts: [] as string[] };
  for (const s of objs(subjects)) {
    const name = str(s['name']);
    switch (str(s['kind'])) {
      case 'ServiceAccount': {
        const ns = str(s['namespace']);
        out.serviceAccounts.push(ns === '' ? name : `${ns}:${name}`);
        break;
      }
      case 'User': out.users.push(name); break;
      case 'Group': out.groups.push(name); break;
      default:
    }
  }
  return out;
}

function bindingTable(roleRefDoc: string, owner: string): TableSpec {
  return {
    columns: [
      NAME,
      column('Role', 'string', roleRefDoc),
      AGE,
      column('Users', 'string', `Users in the ${owner}`, 1),
      column('Groups', 'string', `Groups in the ${owner}`, 1),
      column('ServiceAccounts', 'string', `ServiceAccounts in the ${owner}`, 1),
    ],
    row(o, now) {
      const m = obj(o['metadata']);
      const ref = obj(o['roleRef']);
      const s = subjectsStrings(o['subjects']);
      return {
        cells: [str(m['name']), `${str(ref['kind'])}/${str(ref['name'])}`, translateTimestampSince(m['creationTimestamp'], now),
          s.users.join(', '), s.groups.join(', '), s.serviceAccounts.join(', ')],
      };
    },
  };
}

export const ROLE_BINDING_TABLE = bindingTable(
  'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
  'roleBinding');

export const CLUSTER_ROLE_BINDING_TABLE = bindingTable(
  'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
  'clusterRoleBinding');
