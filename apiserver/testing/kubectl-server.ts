// An in-process API server (memory storage, silent logs) with the real kubectl pointed at it, for
// the integration tests that drive the server as a user does. Registering the hooks here keeps
// every such file starting and closing the same things in the same order, even when a test fails.
import { afterAll, beforeAll, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { silentLogger } from '../../lib/log.ts';
import { ApiClient } from '../../kube/client/client.ts';
import { parseKubeconfig } from '../../kube/client/kubeconfig.ts';
import { startApiServer, type StartOptions } from '../main.ts';
import type { ApiServer } from '../server.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import { Kubectl } from './kubectl.ts';

/** What a file's tests use; set once its beforeAll has run. */
export interface KubectlServer {
  readonly server: ApiServer;
  readonly kubectl: Kubectl;
  /** An API client with the server's kubeconfig, made on first use. */
  readonly client: ApiClient;
  /** kubectl's stdout for a command that must succeed (its exit code and stderr in the error). */
  readonly ok: (args: string[], stdin?: string) => Promise<string>;
  /** kubectl's stderr for a command that must fail (its stdout in the assertion's message). */
  readonly fails: (args: string[], stdin?: string) => Promise<string>;
  /** `kubectl get <args> -o yaml`, parsed. */
  readonly yamlOf: (...args: string[]) => Promise<Record<string, unknown>>;
}

type ServerOptions = Omit<StartOptions, 'storage' | 'log'>;

/**
 * Starts the server and kubectl in beforeAll and closes them in afterAll of the calling file
 * (or describe block): the client, then the server, then kubectl's private directory.
 */
export function useKubectlServer(options: ServerOptions = {}): KubectlServer {
  let server: ApiServer | undefined;
  let kubectl: Kubectl | undefined;
  let client: ApiClient | undefined;

  beforeAll(async () => {
    server = await startApiServer({ storage: createMemoryStorage(), log: silentLogger, ...options });
    kubectl = new Kubectl(server.kubeconfig());
  });

  afterAll(async () => {
    client?.close();
    await server?.close();
    kubectl?.cleanup();
  });

  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the API server is used before beforeAll has started it');
    return v;
  };
  const harness: KubectlServer = {
    get server() { return started(server); },
    get kubectl() { return started(kubectl); },
    get client() {
      client ??= ApiClient.fromConnection(parseKubeconfig(started(server).kubeconfig()));
      return client;
    },
    // arrows, so that a file can take them out of the harness: `const { ok } = env`
    ok: async (args, stdin) => {
      const r = await harness.kubectl.run(args, stdin === undefined ? {} : { stdin });
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
    fails: async (args, stdin) => {
      const r = await harness.kubectl.run(args, stdin === undefined ? {} : { stdin });
      expect(r.code, r.stdout).not.toBe(0);
      return r.stderr;
    },
    yamlOf: async (...args) => parseYaml(await harness.ok(['get', ...args, '-o', 'yaml'])) as Record<string, unknown>,
  };
  return harness;
}
