// A container's environment, resolved the kubelet way (makeEnvironmentVariables): envFrom first
// (ConfigMaps/Secrets with an optional prefix; keys that are not valid names are skipped with a
// warning event), then env in declared order, overriding envFrom. `value`s are `$(VAR)`-expanded
// against the variables defined so far and the service variables; valueFrom is resolved from
// the pod (fieldRef), the container's resources (resourceFieldRef) or a ConfigMap/Secret key.
// A missing non-optional reference throws ContainerConfigError (CreateContainerConfigError).
import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import { ContainerConfigError } from './errors.ts';
import { expand, mappingFuncFor } from './expansion.ts';
import { podFieldSelectorRuntimeValue } from './field-path.ts';
import { dataToString, type ObjectData, type ObjectLookup } from './object-lookup.ts';
import { containerResourceValue, type NodeAllocatable } from './resource-field.ts';

export interface EnvVarValue {
  name: string;
  value: string;
}

export interface EnvWarning {
  /** Event reason, e.g. InvalidEnvironmentVariableNames (type Warning, on the pod). */
  reason: string;
  message: string;
}

export interface EnvOptions {
  lookup: ObjectLookup;
  /** Pod IPs, primary first (hostNetwork pods: the node IPs). Empty before the sandbox has one. */
  podIPs: readonly string[];
  /** Node IPs, primary first. */
  hostIPs: readonly string[];
  /** Defaults for unset limits in resourceFieldRef. */
  allocatable: NodeAllocatable;
  /** Service link variables (FOO_SERVICE_HOST, …); visible to `$(VAR)` and appended last. */
  serviceEnv?: Record<string, string>;
}

export interface ResolvedEnv {
  env: EnvVarValue[];
  warnings: EnvWarning[];
}

/**
 * Relaxed environment variable names (RelaxedEnvironmentVariableValidation, GA in 1.34): any
 * printable ASCII except '='; e.g. `1-data`, `$_-x` and `#@!x` are accepted.
 */
export function isValidEnvVarName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 32 || c > 126 || c === 61) return false;
  }
  return true;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Fetches a ConfigMap/Secret once per resolution; `undefined` = not found. */
class ObjectCache {
  private readonly cache = new Map<string, ObjectData | undefined>();

  constructor(private readonly lookup: ObjectLookup, private readonly namespace: string) {}

  async get(kind: 'configmap' | 'secret', name: string): Promise<ObjectData | undefined> {
    const key = `${kind}/${name}`;
    if (this.cache.has(key)) return this.cache.get(key);
    let data: ObjectData | undefined;
    try {
      data = kind === 'configmap' ? await this.lookup.configMap(this.namespace, name) : await this.lookup.secret(this.namespace, name);
    } catch (err) {
      throw new ContainerConfigError(message(err), { cause: err });
    }
    this.cache.set(key, data);
    return data;
  }
}

export async function resolveEnv(pod: Pod, container: Container, opts: EnvOptions): Promise<ResolvedEnv> {
  const ns = pod.metadata?.namespace ?? 'default';
  const objects = new ObjectCache(opts.lookup, ns);
  const tmpEnv = new Map<string, string>();
  const warnings: EnvWarning[] = [];
  const serviceEnv = new Map(Object.entries(opts.serviceEnv ?? {}));

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (ref === undefined) continue;
    const kind = from.configMapRef !== undefined ? 'configmap' : 'secret';
    const name = ref.name ?? '';
    const data = await objects.get(kind, name);
    if (data === undefined) {
      if (ref.optional === true) continue;
      throw new ContainerConfigError(`${kind} "${name}" not found`);
    }
    const invalid: string[] = [];
    for (const [key, value] of Object.entries(data)) {
      const envName = (from.prefix ?? '') + key;
      if (!isValidEnvVarName(envName)) {
        invalid.push(envName);
        continue;
      }
      tmpEnv.set(envName, dataToString(value));
    }
    if (invalid.length > 0) {
      invalid.sort();
      warnings.push({
        reason: 'InvalidEnvironmentVariableNames',
        message: `Keys [${invalid.join(', ')}] from the EnvFrom ${kind} ${ns}/${name} were skipped since they are considered invalid environment variable names.`,
      });
    }
  }

  const mapping = mappingFuncFor(tmpEnv, serviceEnv);
  for (const envVar of container.env ?? []) {
    let value = envVar.value ?? '';
    const from = envVar.valueFrom;
    if (value !== '') {
      value = expand(value, mapping);
    } else if (from !== undefined) {
      if (from.fieldRef !== undefined) {
        try {
          value = podFieldSelectorRuntimeValue(pod, from.fieldRef.fieldPath, opts);
        } catch (err) {
          throw new ContainerConfigError(message(err), { cause: err });
        }
      } else if (from.resourceFieldRef !== undefined) {
        try {
          value = containerResourceValue(from.resourceFieldRef, pod, container, opts.allocatable);
        } catch (err) {
          throw new ContainerConfigError(message(err), { cause: err });
        }
      } else if (from.configMapKeyRef !== undefined || from.secretKeyRef !== undefined) {
        const isCm = from.configMapKeyRef !== undefined;
        const ref = from.configMapKeyRef ?? from.secretKeyRef;
        const name = ref?.name ?? '';
        const key = ref?.key ?? '';
        const optional = ref?.optional === true;
        const data = await objects.get(isCm ? 'configmap' : 'secret', name);
        if (data === undefined) {
          if (optional) continue;
          throw new ContainerConfigError(`${isCm ? 'configmap' : 'secret'} "${name}" not found`);
        }
        const v = data[key];
        if (v === undefined) {
          if (optional) continue;
          throw new ContainerConfigError(`couldn't find key ${key} in ${isCm ? 'ConfigMap' : 'Secret'} ${ns}/${name}`);
        }
        value = dataToString(v);
      }
    }
    serviceEnv.delete(envVar.name);
    tmpEnv.set(envVar.name, value);
  }

  const env: EnvVarValue[] = [...tmpEnv].map(([name, value]) => ({ name, value }));
  for (const [name, value] of serviceEnv) {
    if (!tmpEnv.has(name)) env.push({ name, value });
  }
  return { env, warnings };
}
