// Kubelet scenarios (kubelet-behaviour.md, the gaps in docs/conformance.md) through the public test
// library: one isolated nodelet for the file, pods applied through the API server, assertions on
// what a user sees — pod status, logs, exec output and events — never on internals.
import type { ConfigMap, Container, Pod, PodSpec, Secret } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../lib/log.ts';
import { discoverEngine, dockerFor } from '../runtime/docker/discovery.ts';
import { LABEL_NODE_NAME } from '../runtime/labels.ts';
import { startNodelet } from '../testing/nodelet.ts';
import type { StartedNodelet } from '../testing/nodelet.ts';

const BUSYBOX = 'localhost/busybox:local';
let node: StartedNodelet;

function pod(name: string, spec: Partial<PodSpec> & { containers: Container[] }): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 5, ...spec } };
}

const sh = (name: string, script: string, extra: Partial<Container> = {}): Container => ({ name, image: BUSYBOX, command: ['sh', '-c', script], ...extra });
/** A container that runs until SIGTERM. */
const idle = (name: string, extra: Partial<Container> = {}): Container => sh(name, "trap 'exit 0' TERM; while true; do sleep 1; done", extra);


beforeAll(async () => {
  node = await startNodelet({ nodeName: `e2e-scenarios-${String(process.pid)}` });
}, 180_000);

afterAll(async () => {
  // startNodelet cleans up after itself when it fails: then there is nothing to stop
  await (node as StartedNodelet | undefined)?.stop();
}, 120_000);

describe('env', () => {
  it('from a ConfigMap and a Secret: env, envFrom with prefix, and volumes', async () => {
    const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { greeting: 'hello', color: 'blue' } };
    const secret: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, data: { password: Buffer.from('s3cret').toString('base64') } };
    await node.apply([cm, secret]);
    await node.apply(pod('env-cm', {
      restartPolicy: 'Never',
      containers: [sh('c', 'echo "GREETING=$GREETING PASSWORD=$PASSWORD"; env | grep -E "^(CFG_|password=)" | sort; echo "vol=$(cat /cfg/color) $(cat /sec/password)"', {
        env: [
          { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'greeting' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
        ],
        envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'cfg' } }, { secretRef: { name: 'sec' } }],
        volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }, { name: 'sec', mountPath: '/sec' }],
      })],
      volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'sec', secret: { secretName: 'sec' } }],
    }));
    await node.waitForPod('env-cm', 'Succeeded');
    expect(await node.logs('env-cm')).toBe('GREETING=hello PASSWORD=s3cret\nCFG_color=blue\nCFG_greeting=hello\npassword=s3cret\nvol=blue s3cret\n');
  });

  it('downward API env incl. resource fields, and $(VAR) expansion in command and args', async () => {
    await node.apply(pod('env-down', {
      restartPolicy: 'Never',
      containers: [{
        name: 'c', image: BUSYBOX,
        command: ['sh', '-c', 'echo "CMD=$(GREETING)"; echo "ARGS=$1|$2"; env | grep -E "^(POD_|NODE_|CPU_|MEM_)" | sort', 'sh'],
        args: ['$(GREETING)-$(POD_NAME)', '$(MISSING)'],
        resources: { limits: { cpu: '1250m', memory: '64Mi' }, requests: { cpu: '250m', memory: '32Mi' } },
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
          { name: 'CPU_REQUEST_MILLI', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
          { name: 'MEM_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
          { name: 'MEM_REQUEST_MI', valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Mi' } } },
          { name: 'GREETING', value: 'hi' },
        ],
      }],
    }));
    const p = await node.waitForPod('env-down', 'Succeeded');
    const out = await node.logs('env-down');
    expect(out).toContain('CMD=hi\n');
    expect(out).toContain('ARGS=hi-env-down|$(MISSING)\n');
    expect(out).toContain([
      'CPU_LIMIT=2', 'CPU_REQUEST_MILLI=250', 'MEM_LIMIT=67108864', 'MEM_REQUEST_MI=32',
      `NODE_NAME=${node.nodeName}`, `POD_IP=${p.status?.podIP ?? '?'}`, 'POD_NAME=env-down', 'POD_NAMESPACE=default',
    ].join('\n'));
  });
});

describe('restart policy × exit code', () => {
  // upstream runtime.go: a counter file in an emptyDir decides the exit code of each run
  const counted = (name: string, restartPolicy: 'Always' | 'OnFailure' | 'Never', script: string): Pod => pod(name, {
    restartPolicy,
    containers: [sh('c', `f=/count/n; echo x >> $f; n=$(wc -l < $f); ${script}`, { volumeMounts: [{ name: 'count', mountPath: '/count' }] })],
    volumes: [{ name: 'count', emptyDir: {} }],
  });

  it('Always: exit 1, then runs → Running, Ready, 1 restart; OnFailure: exit 1 then 0 → Succeeded, 1 restart; Never: exit 1 → Failed, 0 restarts', async () => {
    await node.apply([
      counted('rp-always', 'Always', "if [ $n -eq 1 ]; then exit 1; fi; trap 'exit 0' TERM; while true; do sleep 1; done"),
      counted('rp-onfailure', 'OnFailure', 'if [ $n -eq 1 ]; then exit 1; fi; exit 0'),
      counted('rp-never', 'Never', 'exit 1'),
    ]);
    const [always, onFailure, never] = await Promise.all([
      node.waitForPod('rp-always', (p) => p.status?.containerStatuses?.[0]?.restartCount === 1 && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true, { timeoutMs: 90_000 }),
      node.waitForPod('rp-onfailure', 'Succeeded', { timeoutMs: 90_000 }),
      node.waitForPod('rp-never', 'Failed'),
    ]);
    expect(always.status?.phase).toBe('Running');
    expect(always.status?.containerStatuses?.[0]).toMatchObject({ ready: true, restartCount: 1, lastState: { terminated: { exitCode: 1, reason: 'Error' } } });
    expect(always.status?.containerStatuses?.[0]?.state?.running).toBeDefined();

    expect(onFailure.status?.containerStatuses?.[0]).toMatchObject({ ready: false, restartCount: 1, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    expect(onFailure.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');

    expect(never.status?.containerStatuses?.[0]).toMatchObject({ ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } });
    const table = await node.kubectl(['get', 'pods', 'rp-always', 'rp-onfailure', 'rp-never', '--no-headers']);
    expect(table.stdout).toMatch(/^rp-always\s+1\/1\s+Running\s+1 \(/m);
    expect(table.stdout).toMatch(/^rp-onfailure\s+0\/1\s+Completed\s+1 /m);
    expect(table.stdout).toMatch(/^rp-never\s+0\/1\s+Error\s+0\s/m);
  });
});

describe('init containers and sidecars', () => {
  it('init containers run in order before the app; a failing one under Never fails the pod', async () => {
    const mount = { volumeMounts: [{ name: 'w', mountPath: '/w' }] };
    await node.apply([
      pod('init-ok', {
        restartPolicy: 'Never',
        initContainers: [sh('init1', 'sleep 1; echo init1 >> /w/order', mount), sh('init2', 'echo init2 >> /w/order', mount)],
        containers: [sh('app', 'echo app >> /w/order; cat /w/order', mount)],
        volumes: [{ name: 'w', emptyDir: {} }],
      }),
      pod('init-fail', {
        restartPolicy: 'Never',
        initContainers: [sh('init1', 'true'), sh('init2', 'echo broken; exit 3')],
        containers: [sh('app', 'true')],
      }),
    ]);
    const ok = await node.waitForPod('init-ok', 'Succeeded');
    expect(await node.logs('init-ok')).toBe('init1\ninit2\napp\n');
    expect(ok.status?.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.reason])).toEqual([['init1', 'Completed'], ['init2', 'Completed']]);

    const failed = await node.waitForPod('init-fail', 'Failed');
    expect(failed.status?.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({
      status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [init2]',
    });
    expect(failed.status?.initContainerStatuses?.[1]?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(failed.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('PodInitializing');
    expect((await node.kubectl(['get', 'pod', 'init-fail', '--no-headers'])).stdout).toMatch(/^init-fail\s+0\/1\s+Init:Error\s+0\s/);
  });

  it('a sidecar starts before the next init container and runs beside the app; the pod completes', async () => {
    const mount = { volumeMounts: [{ name: 'w', mountPath: '/w' }] };
    await node.apply(pod('sidecar', {
      restartPolicy: 'Never',
      initContainers: [
        sh('side', "echo side >> /w/order; trap 'exit 0' TERM; while true; do sleep 1; done", { ...mount, restartPolicy: 'Always' }),
        sh('init', 'echo init >> /w/order', mount),
      ],
      containers: [sh('app', 'echo app >> /w/order; cat /w/order', mount)],
      volumes: [{ name: 'w', emptyDir: {} }],
    }));
    const running = await node.waitForPod('sidecar', (p) => p.status?.initContainerStatuses?.[0]?.started === true && p.status.containerStatuses?.[0]?.state?.terminated !== undefined);
    expect(running.status?.initContainerStatuses?.[1]?.state?.terminated?.reason).toBe('Completed');
    expect(await node.logs('sidecar', { container: 'app' })).toBe('side\ninit\napp\n');
    const done = await node.waitForPod('sidecar', 'Succeeded');
    expect(done.status?.initContainerStatuses?.[0]?.state?.terminated).toBeDefined();
  });
});

describe('lifecycle and probes', () => {
  it('a preStop sleep hook delays the deletion', async () => {
    await node.apply(pod('prestop', {
      terminationGracePeriodSeconds: 10,
      containers: [idle('c', { lifecycle: { preStop: { sleep: { seconds: 3 } } } })],
    }));
    await node.waitForPod('prestop', 'Ready');
    const t0 = Date.now();
    await node.delete('prestop');
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(3000);
    expect(took).toBeLessThan(10_000);
  });

  it('a failing HTTP liveness probe restarts the container (restartCount grows, Killing event)', async () => {
    await node.apply(pod('liveness-http', {
      containers: [sh('c', 'mkdir -p /www; echo ok > /www/healthz; (sleep 2; rm /www/healthz) & exec httpd -f -p 8080 -h /www', {
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
      })],
    }));
    const p = await node.waitForPod('liveness-http', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, { timeoutMs: 60_000 });
    expect(p.status?.containerStatuses?.[0]?.lastState?.terminated).toBeDefined();
    const evs = await node.events('liveness-http');
    expect(evs.some((e) => e.reason === 'Unhealthy' && /Liveness probe failed: HTTP probe failed with statuscode: 404/.test(e.message ?? ''))).toBe(true);
    expect(evs.some((e) => e.reason === 'Killing' && /failed liveness probe, will be restarted/.test(e.message ?? ''))).toBe(true);
    await node.delete('liveness-http', { gracePeriodSeconds: 0 });
  });

  it('termination message from the file, and FallbackToLogsOnError from the log', async () => {
    await node.apply([
      pod('tm-file', { restartPolicy: 'Never', containers: [sh('c', 'echo -n DONE > /dev/termination-log; echo not-this')] }),
      pod('tm-logs', { restartPolicy: 'Never', containers: [sh('c', 'echo first; echo -n LAST; exit 2', { terminationMessagePolicy: 'FallbackToLogsOnError' })] }),
    ]);
    const [file, logs] = await Promise.all([node.waitForPod('tm-file', 'Succeeded'), node.waitForPod('tm-logs', 'Failed')]);
    expect(file.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed', message: 'DONE' });
    expect(logs.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 2, reason: 'Error', message: 'first\nLAST' });
  });

  it('activeDeadlineSeconds: the pod fails with DeadlineExceeded', async () => {
    await node.apply(pod('deadline', { activeDeadlineSeconds: 2, containers: [idle('c')] }));
    const p = await node.waitForPod('deadline', 'Failed', { timeoutMs: 30_000 });
    expect(p.status?.reason).toBe('DeadlineExceeded');
    expect(p.status?.message).toBe('Pod was active on the node longer than the specified deadline');
  });

  it('an image that cannot be pulled: ErrImagePull, then ImagePullBackOff; the pod stays Pending', async () => {
    await node.apply(pod('pull-fail', { containers: [{ name: 'c', image: 'invalid.registry.example/none:1', imagePullPolicy: 'Always' }] }));
    const seen = new Set<string>();
    const p = await node.waitForPod('pull-fail', (x) => {
      const r = x.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (r !== undefined) seen.add(r);
      return seen.has('ErrImagePull') && seen.has('ImagePullBackOff');
    }, { timeoutMs: 60_000 });
    expect(p.status?.phase).toBe('Pending');
    expect(p.status?.containerStatuses?.[0]?.state?.waiting?.message).toMatch(/invalid\.registry\.example\/none:1/);
    await node.delete('pull-fail', { gracePeriodSeconds: 0 });
  });
});

describe('security context, /etc/hosts and sysctls', () => {
  it('runAsUser and readOnlyRootFilesystem, seen through exec', async () => {
    await node.apply(pod('secure', { containers: [idle('c', { securityContext: { runAsUser: 1234, runAsGroup: 2345, readOnlyRootFilesystem: true } })] }));
    await node.waitForPod('secure', 'Ready');
    expect(await node.exec('secure', ['id', '-u'])).toEqual({ stdout: '1234\n', stderr: '', exitCode: 0 });
    expect((await node.exec('secure', ['id', '-g'])).stdout).toBe('2345\n');
    const write = await node.exec('secure', ['touch', '/file']);
    expect(write.exitCode).not.toBe(0);
    expect(write.stderr).toMatch(/Read-only file system/);
    // stdin reaches the command through the API server
    expect((await node.exec('secure', ['cat'], { stdin: 'piped\n' })).stdout).toBe('piped\n');
    // a command's own non-zero exit is a result; a missing pod is an error
    expect(await node.exec('secure', ['sh', '-c', 'echo out; echo err >&2; exit 7'])).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 7 });
    await expect(node.exec('no-such-pod', ['true'])).rejects.toThrow(/NotFound|not found/);
  });

  it('a managed /etc/hosts with hostAliases, and a namespaced sysctl', async () => {
    await node.apply(pod('hosts', {
      hostAliases: [{ ip: '123.45.67.89', hostnames: ['foo', 'bar'] }],
      securityContext: { sysctls: [{ name: 'kernel.shm_rmid_forced', value: '1' }] },
      containers: [idle('c')],
    }));
    const p = await node.waitForPod('hosts', 'Ready');
    const hosts = (await node.exec('hosts', ['cat', '/etc/hosts'])).stdout;
    expect(hosts).toMatch(/^# Kubernetes-managed hosts file\./);
    expect(hosts).toContain('123.45.67.89\tfoo\tbar');
    expect(hosts).toContain(`${p.status?.podIP ?? '?'}\thosts`);
    expect((await node.exec('hosts', ['cat', '/proc/sys/kernel/shm_rmid_forced'])).stdout).toBe('1\n');
  });
});

describe('the test library itself', () => {
  it('await using: a second nodelet runs beside the first; leaving the block stops its processes and removes its containers', async () => {
    let name: string;
    let pids: number[];
    {
      await using other = await startNodelet();
      name = other.nodeName;
      expect(name).not.toBe(node.nodeName);
      pids = ['agent', 'apiserver'].map((d) => Number(readFileSync(join(other.stateDir, `${d}.pid`), 'utf8')));
      await other.apply(pod('elsewhere', { containers: [idle('c')] }));
      const p = await other.waitForPod('elsewhere', 'Running');
      expect(p.spec?.nodeName).toBe(name);
      // separate clusters: the first one has no such pod
      expect((await node.kubectl(['get', 'pod', 'elsewhere'])).stderr).toMatch(/NotFound/);
    }
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    const engine = await discoverEngine(silentLogger);
    const left = engine === undefined ? [] : await dockerFor(engine).listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${name}`] } });
    expect(left).toEqual([]);
  });
});
