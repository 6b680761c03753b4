// What the Node object says about the machine: engine facts (cpu, memory, kernel, OS image,
// architecture, engine version) from the runtime, disk size of the agent's root dir, and the
// machine/boot identifiers the kubelet reads from the host when they are readable.
import { readFile, statfs } from 'node:fs/promises';
import type { Runtime } from '../../runtime/types.ts';

export interface HostFacts {
  cpus: number;
  memoryBytes: number;
  /** Bytes of the filesystem holding the root dir (ephemeral storage). */
  diskBytes: number;
  osImage: string;
  kernelVersion: string;
  operatingSystem: string;
  architecture: string;
  /** `docker://<engine version>`. */
  containerRuntimeVersion: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
}

export type HostRuntime = Pick<Runtime, 'info' | 'version'>;

async function readTrimmed(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return '';
  }
}

export async function diskBytes(dir: string): Promise<number> {
  try {
    const s = await statfs(dir);
    return s.blocks * s.bsize;
  } catch {
    return 0;
  }
}

/** Gathers the facts; engine errors propagate (registration retries). */
export async function gatherHostFacts(runtime: HostRuntime, rootDir: string): Promise<HostFacts> {
  const [info, version, disk, machineID, productUuid, bootID] = await Promise.all([
    runtime.info(),
    runtime.version(),
    diskBytes(rootDir),
    readTrimmed('/etc/machine-id'),
    readTrimmed('/sys/class/dmi/id/product_uuid'),
    readTrimmed('/proc/sys/kernel/random/boot_id'),
  ]);
  return {
    cpus: info.cpus,
    memoryBytes: info.memoryBytes,
    diskBytes: disk,
    osImage: info.operatingSystem,
    kernelVersion: info.kernelVersion,
    operatingSystem: info.os === '' ? 'linux' : info.os,
    architecture: info.architecture,
    containerRuntimeVersion: `${version.runtimeName}://${version.runtimeVersion}`,
    machineID,
    // The kubelet reads the SMBIOS uuid (cadvisor); unreadable without root, like in containers.
    systemUUID: productUuid.toLowerCase(),
    bootID,
  };
}
