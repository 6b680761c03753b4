// Pod hostname and domain (kubelet GeneratePodHostNameAndDomain, truncatePodHostnameIfNeeded,
// GetNodenameForKernel): spec.hostname or the pod name, cut to 63 characters without a trailing
// '-' or '.'; with a subdomain the domain is <subdomain>.<ns>.svc.<clusterDomain>; setHostnameAsFQDN
// puts the FQDN (at most 64 characters) into the kernel hostname.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { ContainerConfigError } from '../env/errors.ts';

export const HOSTNAME_MAX_LEN = 63;
export const FQDN_MAX_LEN = 64;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(value)) {
    errs.push("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  }
  return errs;
}

export function truncateHostname(podName: string, hostname: string): string {
  if (hostname.length <= HOSTNAME_MAX_LEN) return hostname;
  const truncated = hostname.slice(0, HOSTNAME_MAX_LEN).replace(/[-.]+$/, '');
  if (truncated === '') throw new ContainerConfigError(`hostname for pod "${podName}" was invalid: "${hostname}"`);
  return truncated;
}

export interface PodHostnameAndDomain {
  hostname: string;
  /** `<subdomain>.<ns>.svc.<clusterDomain>`, or '' without a subdomain. */
  domain: string;
}

export function podHostnameAndDomain(pod: Pod, clusterDomain: string): PodHostnameAndDomain {
  const podName = pod.metadata?.name ?? '';
  let hostname = podName;
  const specHostname = pod.spec?.hostname ?? '';
  if (specHostname !== '') {
    const errs = dns1123LabelErrors(specHostname);
    if (errs.length > 0) throw new ContainerConfigError(`pod Hostname "${specHostname}" is not a valid DNS label: ${errs.join(';')}`);
    hostname = specHostname;
  }
  hostname = truncateHostname(podName, hostname);
  let domain = '';
  const subdomain = pod.spec?.subdomain ?? '';
  if (subdomain !== '') {
    const errs = dns1123LabelErrors(subdomain);
    if (errs.length > 0) throw new ContainerConfigError(`pod Subdomain "${subdomain}" is not a valid DNS label: ${errs.join(';')}`);
    domain = `${subdomain}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}`;
  }
  return { hostname, domain };
}

/** The hostname the sandbox's UTS namespace gets (the FQDN with setHostnameAsFQDN and a domain). */
export function kernelHostname(pod: Pod, names: PodHostnameAndDomain): string {
  if (names.domain === '' || pod.spec?.setHostnameAsFQDN !== true) return names.hostname;
  const fqdn = `${names.hostname}.${names.domain}`;
  if (fqdn.length > FQDN_MAX_LEN) {
    throw new ContainerConfigError(`failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${FQDN_MAX_LEN} characters is the max, ${fqdn.length} characters requested)`);
  }
  return fqdn;
}
