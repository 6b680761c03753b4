// resourceFieldRef values (pkg/api/v1/resource ExtractContainerResourceValue): cpu in units of
// the divisor rounded up from millicores, memory/ephemeral-storage in units of the divisor rounded
// up from bytes; unset limits default to the node's allocatable.
import type { Container, Pod, ResourceFieldSelector } from 'kubernetes-types/core/v1.d.ts';
import { compareQuantity, parseQuantity, quantityMilliValue, quantityValue, ZERO_QUANTITY, type Quantity } from '../pod-config/quantity.ts';
import { effectiveRequests } from '../pod-config/qos.ts';

/** Node allocatable as Kubernetes quantities, e.g. { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi' }. */
export type NodeAllocatable = Partial<Record<'cpu' | 'memory' | 'ephemeral-storage', string>> & Record<string, string>;

export class ResourceFieldError extends Error {}

const DEFAULTED_LIMITS = ['cpu', 'memory', 'ephemeral-storage'];

function ceilRatio(num: number, den: number): string {
  return String(Math.ceil(num / den));
}

function findContainer(pod: Pod, name: string): Container | undefined {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
}

/** The value of one resourceFieldRef for a container, as the string the env var / file gets. */
export function containerResourceValue(fs: ResourceFieldSelector, pod: Pod, container: Container, allocatable: NodeAllocatable): string {
  let target = container;
  if (fs.containerName !== undefined && fs.containerName !== '') {
    const found = findContainer(pod, fs.containerName);
    if (found === undefined) throw new ResourceFieldError(`container ${fs.containerName} not found`);
    target = found;
  }
  const limits: Record<string, string> = { ...(target.resources?.limits ?? {}) };
  for (const name of DEFAULTED_LIMITS) {
    const alloc = allocatable[name];
    if (limits[name] === undefined && alloc !== undefined) limits[name] = alloc;
  }
  const requests = effectiveRequests(target);
  let divisor: Quantity = fs.divisor === undefined ? ZERO_QUANTITY : parseQuantity(fs.divisor);
  if (compareQuantity(divisor, ZERO_QUANTITY) === 0) divisor = parseQuantity('1');
  const q = (v: string | undefined): Quantity => (v === undefined ? ZERO_QUANTITY : parseQuantity(v));
  const dot = fs.resource.indexOf('.');
  const kind = fs.resource.slice(0, dot);
  const name = fs.resource.slice(dot + 1);
  if (dot > 0 && (kind === 'limits' || kind === 'requests')) {
    const list = kind === 'limits' ? limits : requests;
    if (name === 'cpu') return ceilRatio(quantityMilliValue(q(list['cpu'])), quantityMilliValue(divisor));
    if (name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-')) {
      return ceilRatio(quantityValue(q(list[name])), quantityValue(divisor));
    }
  }
  throw new ResourceFieldError(`unsupported container resource : ${fs.resource}`);
}
