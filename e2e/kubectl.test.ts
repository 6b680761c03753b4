// Black-box: the real kubectl against `nodelet up` (API server + agent on the real engine), the
// way a user runs it, in a private state dir with its own ports and node name so it never meets
// a user's `make up`. One cluster for the file; tests build on it in order.
import { freePort, until } from '../lib/testing/wait.ts';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl } from '../apiserver/testing/kubectl.ts';
import type { KubectlResult } from '../apiserver/testing/kubectl.ts';
import { silentLogger } from '../lib/log.ts';
import { PROJECT_ROOT } from '../lib/paths.ts';
import { removeManagedContainers } from '../runtime/docker/cleanup.ts';
import { discoverEngine, dockerFor } from '../runtime/docker/discovery.ts';
import { LABEL_CONTAINER_NAME, LABEL_DOCKER_TYPE, LABEL_NODE_NAME, LABEL_POD_NAME } from '../runtime/labels.ts';

const NODE = `e2e-kubectl-${String(process.pid)}`;
const STATE = mkdtempSync(join(tmpdir(), 'nodelet-e2e-kubectl-'));
const ENV = { ...process.env, NODELET_STATE_DIR: STATE };
let ports: { api: number; kubelet: number; healthz: number; controllerManager: number };
let kubectl: Kubectl;


function nodelet(args: string[], timeoutMs = 120_000): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile(join(PROJECT_ROOT, 'bin/nodelet'), args, { cwd: PROJECT_ROOT, env: ENV, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

async function up(): Promise<void> {
  const r = await nodelet(['up', '--port', String(ports.api), '--node-name', NODE, '--kubelet-port', String(ports.kubelet), '--healthz-port', String(ports.healthz), '--controller-manager-port', String(ports.controllerManager), '--no-services', '--timeout', '90']);
  if (r.code !== 0) throw new Error(`nodelet up failed (${String(r.code)}): ${r.stdout}${r.stderr}\n${tail(join(STATE, 'agent.log'))}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

function k(args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  return kubectl.run(args, opts);
}

async function ok(args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await k(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} → ${String(r.code)}: ${r.stderr}`);
  return r.stdout;
}


async function getPod(name: string): Promise<Pod> {
  return JSON.parse(await ok(['get', 'pod', name, '-o', 'json'])) as Pod;
}

/** A long-running kubectl (logs -f, get -w, attach) whose output the test watches. */
function stream(args: string[]): { child: ChildProcessWithoutNullStreams; out: () => string; waitFor: (re: RegExp, ms?: number) => Promise<string> } {
  const child = spawn('kubectl', ['--cache-dir', join(kubectl.dir, 'cache'), ...args], {
    env: { ...process.env, KUBECONFIG: kubectl.kubeconfig, HOME: kubectl.dir }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let buf = '';
  child.stdout.on('data', (d: Buffer) => { buf += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { buf += d.toString(); });
  return {
    child,
    out: () => buf,
    waitFor: (re, ms = 20_000) => until(`${String(re)} in kubectl ${args.join(' ')} (got: ${buf})`, () => Promise.resolve(re.test(buf) ? buf : undefined), ms),
  };
}

async function engineContainers(filter: string[]): Promise<{ id: string; state: string; name: string }[]> {
  const engine = await discoverEngine(silentLogger);
  if (engine === undefined) throw new Error('no engine');
  const list = await dockerFor(engine).listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${NODE}`, ...filter] } });
  return list.map((c) => ({ id: c.Id, state: c.State, name: c.Labels[LABEL_CONTAINER_NAME] ?? '' }));
}

const readyPod = (name: string, extra = ''): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: main
    image: localhost/busybox:local
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
${extra}`;

beforeAll(async () => {
  ports = { api: await freePort(), kubelet: await freePort(), healthz: await freePort(), controllerManager: await freePort() };
  await up();
  kubectl = new Kubectl(readFileSync(join(STATE, 'kubeconfig'), 'utf8'));
}, 180_000);

afterAll(async () => {
  try {
    const r = await nodelet(['down']);
    if (r.code !== 0) process.stderr.write(`nodelet down failed: ${r.stderr}\n`);
  } finally {
    // whatever happened: no container of this node survives, the state dir goes
    const engine = await discoverEngine(silentLogger);
    if (engine !== undefined) await removeManagedContainers(dockerFor(engine), NODE);
    kubectl.cleanup();
    rmSync(STATE, { recursive: true, force: true });
  }
}, 120_000);

describe('kubectl against nodelet up', () => {
  it('get nodes: the node is Ready, with its InternalIP and version', async () => {
    const out = await ok(['get', 'nodes', '-o', 'wide']);
    const row = out.split('\n').find((l) => l.startsWith(`${NODE} `))?.split(/\s+/);
    expect(row?.slice(1, 2)).toEqual(['Ready']);
    expect(row).toContain('127.0.0.1');
    expect(row?.[4]).toMatch(/^v1\.32\./);
  });

  it('apply creates then updates (labels); get, -o wide, -A, --show-labels; READY 2/2 and RESTARTS 0', async () => {
    const example = join(PROJECT_ROOT, 'examples/two-containers.yaml');
    expect(await ok(['apply', '-f', example])).toMatch(/pod\/two-containers created/);
    await ok(['wait', '--for=condition=Ready', 'pod/two-containers', '--timeout=60s']);
    const get = await ok(['get', 'pods']);
    expect(get.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(get).toMatch(/^two-containers\s+2\/2\s+Running\s+0\s+\d+s$/m);
    const wide = await ok(['get', 'pod', 'two-containers', '-o', 'wide']);
    expect(wide).toMatch(new RegExp(`^two-containers\\s+2/2\\s+Running\\s+0\\s+\\S+\\s+\\d+\\.\\d+\\.\\d+\\.\\d+\\s+${NODE}\\s`, 'm'));
    expect(await ok(['get', 'pods', '-A'])).toMatch(/^default\s+two-containers\s+2\/2\s+Running/m);
    // update: a label added through apply (client-side apply, strategic merge patch)
    const changed = readFileSync(example, 'utf8').replace('app: demo', 'app: demo\n    tier: web');
    expect(await ok(['apply', '-f', kubectl.file('two-containers.yaml', changed)])).toMatch(/pod\/two-containers configured/);
    expect(await ok(['get', 'pod', 'two-containers', '--show-labels'])).toMatch(/app=demo,tier=web/);
    const pod = await getPod('two-containers');
    expect(pod.status?.containerStatuses?.map((c) => [c.name, c.ready, c.restartCount])).toEqual([['client', true, 0], ['web', true, 0]]);
  });

  it('create -f creates, a second create is AlreadyExists; wait --for=condition=Ready', async () => {
    const f = kubectl.file('created.yaml', readyPod('created'));
    expect(await ok(['create', '-f', f])).toMatch(/pod\/created created/);
    const again = await k(['create', '-f', f]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/AlreadyExists|already exists/);
    expect(await ok(['wait', '--for=condition=Ready', 'pod/created', '--timeout=60s'])).toMatch(/pod\/created condition met/);
  });

  it('describe pod shows the scheduler and kubelet events', async () => {
    const out = await ok(['describe', 'pod', 'two-containers']);
    expect(out).toMatch(new RegExp(`Node:\\s+${NODE}/127\\.0\\.0\\.1`));
    for (const re of [/Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned default\/two-containers/, /Normal\s+Pulled\s+.*kubelet\s+Container image "localhost\/busybox:local" already present on machine/, /Normal\s+Created\s+.*kubelet\s+Created container: web/, /Normal\s+Started\s+.*kubelet\s+Started container client/]) {
      expect(out).toMatch(re);
    }
  });

  it('logs: content, --tail, -f receives a new line', async () => {
    await until('client output', async () => (await ok(['logs', 'two-containers', '-c', 'client'])).includes('hello from web'));
    const t = await ok(['logs', 'two-containers', '-c', 'client', '--tail=1']);
    expect(t.trim().split('\n')).toHaveLength(1);
    const f = stream(['logs', '-f', '--tail=1', 'two-containers', '-c', 'client']);
    try {
      await f.waitFor(/hello from web/);
      // the client writes every 3 s: a second line proves the stream follows
      await f.waitFor(/(hello from web\n[^]*){2}/, 15_000);
      expect(f.child.exitCode).toBeNull();
    } finally {
      f.child.kill();
    }
  });

  it('exec: output, stdin with -i, exit codes propagate, unknown container rejected', async () => {
    expect(await ok(['exec', 'two-containers', '-c', 'web', '--', 'cat', '/www/index.html'])).toBe('hello from web\n');
    const piped = await k(['exec', '-i', 'two-containers', '-c', 'web', '--', 'sh', '-c', 'cat; exit 7'], { stdin: 'from stdin\n' });
    expect(piped.stdout).toBe('from stdin\n');
    expect(piped.code).toBe(7);
    expect((await k(['exec', 'two-containers', '-c', 'web', '--', 'sh', '-c', 'exit 3'])).code).toBe(3);
    const bad = await k(['exec', 'two-containers', '-c', 'nope', '--', 'true']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/container nope is not valid for pod two-containers/);
  });

  it('attach -i to a cat container: what goes in comes back out', async () => {
    await ok(['apply', '-f', kubectl.file('catter.yaml', `apiVersion: v1
kind: Pod
metadata: {name: catter}
spec:
  containers:
  - {name: cat, image: localhost/busybox:local, command: [cat], stdin: true}
`)]);
    await ok(['wait', '--for=condition=Ready', 'pod/catter', '--timeout=60s']);
    const a = stream(['attach', '-i', 'catter', '-c', 'cat']);
    try {
      // the session may take a moment to be wired through the API server to the container
      await until('echo through attach', async () => {
        a.child.stdin.write('ping-attach\n');
        await new Promise((r) => setTimeout(r, 300));
        return /ping-attach/.test(a.out()) ? true : undefined;
      }, 20_000);
    } finally {
      a.child.kill();
    }
    expect(await ok(['logs', 'catter'])).toMatch(/ping-attach/);
  });

  it('label, patch (strategic and json), and get -w sees the change', async () => {
    const w = stream(['get', 'pod', 'created', '-w', '-L', 'stage']);
    try {
      await w.waitFor(/^created\s+1\/1\s+Running/m);
      expect(await ok(['label', 'pod', 'created', 'stage=one'])).toMatch(/pod\/created labeled/);
      await w.waitFor(/^created\s+1\/1\s+Running\s+0\s+\S+\s+one$/m);
    } finally {
      w.child.kill();
    }
    expect(await ok(['get', 'pod', 'created', '--show-labels'])).toMatch(/app=created,stage=one/);
    expect(await ok(['patch', 'pod', 'created', '-p', '{"metadata":{"annotations":{"e2e/patched":"yes"}}}'])).toMatch(/pod\/created patched/);
    await ok(['patch', 'pod', 'created', '--type=json', '-p', '[{"op":"replace","path":"/metadata/labels/stage","value":"two"}]']);
    const pod = await getPod('created');
    expect(pod.metadata?.annotations?.['e2e/patched']).toBe('yes');
    expect(pod.metadata?.labels?.['stage']).toBe('two');
  });

  it('an invalid manifest is rejected with field paths', async () => {
    const r = await k(['apply', '-f', kubectl.file('bad.yaml', `apiVersion: v1
kind: Pod
metadata: {name: Bad_Name}
spec:
  containers:
  - name: c
  - name: c
    image: localhost/busybox:local
`)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/The Pod "Bad_Name" is invalid/);
    expect(r.stderr).toMatch(/metadata\.name: Invalid value: "Bad_Name"/);
    expect(r.stderr).toMatch(/spec\.containers\[0\]\.image: Required value/);
    expect(r.stderr).toMatch(/spec\.containers\[1\]\.name: Duplicate value: "c"/);
  });

  it('a pod no node matches stays Pending with PodScheduled=False, Unschedulable', async () => {
    await ok(['apply', '-f', kubectl.file('nowhere.yaml', readyPod('nowhere', '  nodeSelector: {disk: none-such}\n'))]);
    const cond = await until('PodScheduled=False', async () => (await getPod('nowhere')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'));
    expect(cond.reason).toBe('Unschedulable');
    await new Promise((r) => setTimeout(r, 1500));
    const pod = await getPod('nowhere');
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.spec?.nodeName).toBeUndefined();
    expect(await ok(['get', 'pod', 'nowhere'])).toMatch(/^nowhere\s+0\/1\s+Pending\s+0/m);
    await ok(['delete', 'pod', 'nowhere', '--wait=false']);
  });

  it('logs --previous after a restart', async () => {
    await ok(['apply', '-f', kubectl.file('crasher.yaml', `apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{name: data, emptyDir: {}}]
  containers:
  - name: c
    image: localhost/busybox:local
    volumeMounts: [{name: data, mountPath: /data}]
    command: ["sh", "-c", "n=$(cat /data/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /data/n; echo run $n; sleep 3; exit 3"]
`)]);
    const restarted = await until('a restart', async () => {
      const cs = (await getPod('crasher')).status?.containerStatuses?.[0];
      return (cs?.restartCount ?? 0) >= 1 ? cs : undefined;
    });
    expect(restarted.lastState?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    const prev = await ok(['logs', 'crasher', '--previous']);
    expect(prev).toBe(`run ${String(restarted.restartCount)}\n`);
    const cur = await ok(['logs', 'crasher']);
    expect(cur).toMatch(/^run \d+\n$/);
    expect(cur).not.toBe(prev);
    expect(await ok(['get', 'pod', 'crasher'])).toMatch(/^crasher\s+[01]\/1\s+(Error|CrashLoopBackOff|Running)\s+\d+ \(\S+ ago\)/m);
  });

  it('delete is graceful (the preStop sleep delays it ≈3 s) and completes; containers are removed', async () => {
    await ok(['apply', '-f', join(PROJECT_ROOT, 'examples/hooks.yaml')]);
    await ok(['wait', '--for=condition=Ready', 'pod/hooks', '--timeout=60s']);
    expect(await engineContainers([`${LABEL_POD_NAME}=hooks`])).not.toEqual([]);
    const t0 = Date.now();
    expect(await ok(['delete', 'pod', 'hooks'], { timeoutMs: 60_000 })).toMatch(/pod "hooks" deleted/);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(3000);
    expect(took).toBeLessThan(10_000);
    const gone = await k(['get', 'pod', 'hooks']);
    expect(gone.stderr).toMatch(/NotFound|not found/);
    expect(await engineContainers([`${LABEL_POD_NAME}=hooks`])).toEqual([]);
  });

  it('delete --grace-period=0 --force returns at once; the node removes the containers', async () => {
    const t0 = Date.now();
    expect((await ok(['delete', 'pod', 'crasher', '--grace-period=0', '--force'])).trim()).toMatch(/pod "crasher" force deleted/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await k(['get', 'pod', 'crasher'])).code).toBe(1);
    await until('crasher containers removed', async () => ((await engineContainers([`${LABEL_POD_NAME}=crasher`])).length === 0 ? true : undefined), 20_000);
  });

  it('kill -9 of the agent restarts no container; `nodelet up` starts it again and it adopts them', async () => {
    const before = await engineContainers([`${LABEL_POD_NAME}=two-containers`]);
    const apiBefore = (await getPod('two-containers')).status?.containerStatuses?.map((c) => [c.name, c.containerID, c.restartCount]);
    const pid = Number(readFileSync(join(STATE, 'agent.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await until('agent gone', () => {
      try {
        process.kill(pid, 0);
        return Promise.resolve(undefined);
      } catch {
        return Promise.resolve(true);
      }
    });
    await up();
    const newPid = Number(readFileSync(join(STATE, 'agent.pid'), 'utf8'));
    expect(newPid).not.toBe(pid);
    // the new agent serves the pod (exec goes through its streaming server) …
    await until('exec through the new agent', async () => ((await k(['exec', 'two-containers', '-c', 'web', '--', 'true'])).code === 0 ? true : undefined), 30_000);
    // … and a fresh pod runs, so it is past its start-up sync
    await ok(['apply', '-f', kubectl.file('after-agent.yaml', readyPod('after-agent'))]);
    await ok(['wait', '--for=condition=Ready', 'pod/after-agent', '--timeout=60s']);
    const after = await engineContainers([`${LABEL_POD_NAME}=two-containers`]);
    expect(after.map((c) => [c.id, c.state]).sort()).toEqual(before.map((c) => [c.id, 'running']).sort());
    expect(after.filter((c) => c.name !== 'POD')).toHaveLength(2);
    const pod = await getPod('two-containers');
    expect(pod.status?.containerStatuses?.map((c) => [c.name, c.containerID, c.restartCount])).toEqual(apiBefore);
    expect(pod.status?.phase).toBe('Running');
  });

  it('kill -9 of the API server loses nothing acknowledged; the agent reconnects', async () => {
    expect(await ok(['label', 'pod', 'two-containers', 'acked=yes'])).toMatch(/labeled/);
    await ok(['create', '-f', kubectl.file('acked.yaml', readyPod('acked'))]);
    const sandboxes = await engineContainers([`${LABEL_DOCKER_TYPE}=podsandbox`]);
    const pid = Number(readFileSync(join(STATE, 'apiserver.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await up();
    expect(await ok(['get', 'pod', 'two-containers', '--show-labels'])).toMatch(/acked=yes/);
    await ok(['wait', '--for=condition=Ready', 'pod/acked', '--timeout=60s']);
    // pods kept running while the API server was away
    const still = await engineContainers([`${LABEL_DOCKER_TYPE}=podsandbox`]);
    for (const s of sandboxes.filter((x) => x.state === 'running')) expect(still.find((x) => x.id === s.id)?.state).toBe('running');
    // the agent is back on the watch: a new pod bound after the restart runs
    await ok(['apply', '-f', kubectl.file('after-api.yaml', readyPod('after-api'))]);
    await ok(['wait', '--for=condition=Ready', 'pod/after-api', '--timeout=60s']);
    expect(await ok(['logs', 'two-containers', '-c', 'client', '--tail=1'])).toMatch(/hello from web/);
  });
});
