// What the e2e suite needs from the container runtime under test, behind one interface so the same
// scenarios can later run against a second runtime (containerd through CRI) by swapping this set-up:
// how the agent reaches the runtime from inside its harness container, and how a test sees (and
// finally removes) the containers the agent made for its nodes. Chosen by NODELET_E2E_RUNTIME
// (default: docker).
import { silentLogger } from '../../lib/log.ts';
import { removeManagedContainers } from '../../runtime/docker/cleanup.ts';
import { discoverEngine, dockerFor, type EngineEndpoint } from '../../runtime/docker/discovery.ts';
import { LABEL_CONTAINER_NAME, LABEL_MANAGED_BY, LABEL_NODE_NAME, LABEL_POD_NAME, MANAGED_BY_VALUE } from '../../runtime/labels.ts';

/** A host path mounted into a harness container (testcontainers' bind mount shape). */
export interface BindMount {
  source: string;
  target: string;
  mode?: 'rw' | 'ro';
}

export interface EngineContainer {
  id: string;
  /** the engine's state word: running, exited, created, … */
  state: string;
  pod: string;
  /** the pod's container name ("POD" for the sandbox) */
  container: string;
  node: string;
}

export interface E2eRuntime {
  readonly name: string;
  /** Mounts and environment that let an agent inside a harness container reach the runtime. */
  agentAccess(): { mounts: BindMount[]; env: Record<string, string> };
  /** The containers the agents made for these nodes, as the runtime reports them. */
  containers(nodes: string[]): Promise<EngineContainer[]>;
  /** Removes every container an agent made for these nodes. */
  removeNodeContainers(nodes: string[]): Promise<void>;
  /** Removes the containers of every node whose name ends with `suffix` (a whole run's leftovers). */
  removeBySuffix(suffix: string): Promise<void>;
}

class DockerE2eRuntime implements E2eRuntime {
  readonly name = 'docker';
  constructor(private readonly endpoint: EngineEndpoint) {}

  private docker(): ReturnType<typeof dockerFor> {
    return dockerFor(this.endpoint);
  }

  agentAccess(): { mounts: BindMount[]; env: Record<string, string> } {
    const socket = this.endpoint.socketPath;
    if (socket === undefined) throw new Error(`the e2e harness mounts the engine's unix socket into the agent's container; this engine is reached over ${this.endpoint.host ?? 'tcp'}`);
    return { mounts: [{ source: socket, target: '/var/run/docker.sock', mode: 'rw' }], env: { DOCKER_HOST: 'unix:///var/run/docker.sock' } };
  }

  async containers(nodes: string[]): Promise<EngineContainer[]> {
    const docker = this.docker();
    const out: EngineContainer[] = [];
    for (const node of nodes) {
      const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${node}`] } });
      for (const c of list) {
        out.push({ id: c.Id, state: c.State, pod: c.Labels[LABEL_POD_NAME] ?? '', container: c.Labels[LABEL_CONTAINER_NAME] ?? '', node: c.Labels[LABEL_NODE_NAME] ?? '' });
      }
    }
    return out;
  }

  async removeNodeContainers(nodes: string[]): Promise<void> {
    const docker = this.docker();
    for (const node of nodes) await removeManagedContainers(docker, node);
  }

  async removeBySuffix(suffix: string): Promise<void> {
    const docker = this.docker();
    const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`] } });
    const nodes = new Set(list.map((c) => c.Labels[LABEL_NODE_NAME] ?? '').filter((n) => n.endsWith(suffix)));
    for (const node of nodes) await removeManagedContainers(docker, node);
  }
}

/** The runtime named by NODELET_E2E_RUNTIME (default docker), with its engine found. */
export async function e2eRuntime(env: NodeJS.ProcessEnv = process.env): Promise<E2eRuntime> {
  const name = env['NODELET_E2E_RUNTIME'] ?? 'docker';
  if (name === 'docker') {
    const endpoint = await discoverEngine(silentLogger);
    if (endpoint === undefined) throw new Error('no Docker engine answers; run `make up` (or `./bin/nodelet setup`) first');
    return new DockerE2eRuntime(endpoint);
  }
  if (name === 'containerd') {
    throw new Error('NODELET_E2E_RUNTIME=containerd: the agent has no CRI runtime yet (runtime/ has Docker only); this is where its harness set-up goes');
  }
  throw new Error(`NODELET_E2E_RUNTIME=${name}: unknown runtime (docker, containerd)`);
}
