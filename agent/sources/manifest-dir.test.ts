import { mkdtemp, rm, stat, utimes, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { ManifestDirSource, staticPodUid, validateManifest } from './manifest-dir.ts';

let dir: string;
let src: ManifestDirSource;
let events: string[];
let added: Pod[];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nodelet-manifests-'));
  events = [];
  added = [];
});
afterEach(async () => {
  await src.stop();
  await rm(dir, { recursive: true, force: true });
});

function start(): Promise<void> {
  src = new ManifestDirSource({ dir, nodeName: 'node1', clock: new FakeClock(), rescanMs: 1_000_000 });
  return src.start({
    add: (p) => { added.push(p); events.push(`add ${p.metadata?.name ?? ''}`); },
    update: (p) => { events.push(`update ${p.metadata?.name ?? ''}`); },
    remove: (uid) => { events.push(`remove ${uid.slice(0, 6)}`); },
  });
}

const podYaml = (name: string, image = 'busybox:1'): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
  - name: c
    image: ${image}
`;

describe('ManifestDirSource', () => {
  it('reads multi-document YAML, names static pods <name>-<node>, applies defaults', async () => {
    await writeFile(join(dir, 'a.yaml'), `${podYaml('web')}---\n${podYaml('db', 'busybox')}`);
    await start();
    expect(events).toEqual(['add web-node1', 'add db-node1']);
    const web = added[0];
    expect(web?.metadata).toMatchObject({ namespace: 'default', annotations: { 'kubernetes.io/config.source': 'file' } });
    expect(web?.metadata?.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(web?.spec).toMatchObject({ nodeName: 'node1', restartPolicy: 'Always', terminationGracePeriodSeconds: 30 });
    expect(web?.spec?.containers[0]).toMatchObject({ imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
    expect(added[1]?.spec?.containers[0]?.imagePullPolicy).toBe('Always');
  });

  it('uid is stable for the same content and changes with it', () => {
    const doc = { kind: 'Pod', metadata: { name: 'x' } };
    expect(staticPodUid('n', '/f', doc)).toBe(staticPodUid('n', '/f', { metadata: { name: 'x' }, kind: 'Pod' }));
    expect(staticPodUid('n', '/f', doc)).not.toBe(staticPodUid('n2', '/f', doc));
    expect(staticPodUid('n', '/f', doc)).not.toBe(staticPodUid('n', '/f', { ...doc, spec: {} }));
  });

  it('reports bad manifests and skips them without affecting good ones', async () => {
    await writeFile(join(dir, 'good.yaml'), podYaml('good'));
    await writeFile(join(dir, 'bad.yaml'), 'kind: Pod\nmetadata: {name: Bad_Name}\nspec: {containers: [{name: c, image: x}]}\n');
    await writeFile(join(dir, 'broken.yaml'), 'kind: Pod\n  metadata: [\n');
    await writeFile(join(dir, '.hidden.yaml'), podYaml('hidden'));
    await start();
    expect(events).toEqual(['add good-node1']);
    const problems = src.problems();
    expect(problems.map((p) => p.source.split('/').pop())).toEqual(['bad.yaml', 'broken.yaml']);
    expect(problems[0]?.message).toMatch(/^metadata.name: Invalid value: "Bad_Name"/);
    expect(problems[1]?.message).toMatch(/^invalid YAML/);
  });

  it('picks up added, changed and removed files on rescan', async () => {
    await writeFile(join(dir, 'a.yaml'), podYaml('a'));
    await start();
    await writeFile(join(dir, 'b.yaml'), podYaml('b'));
    await src.rescan();
    expect(events).toEqual(['add a-node1', 'add b-node1']);
    await writeFile(join(dir, 'a.yaml'), podYaml('a', 'busybox:2'));
    await src.rescan();
    expect(events.slice(2)).toEqual([expect.stringMatching(/^remove /), 'add a-node1']);
    await unlink(join(dir, 'b.yaml'));
    await src.rescan();
    expect(events.slice(4)).toEqual([expect.stringMatching(/^remove /)]);
    expect(src.pods().map((p) => p.metadata?.name)).toEqual(['a-node1']);
  });

  it('rescans of unchanged files keep their pods and problems; a rewrite is seen even with the old mtime', async () => {
    await writeFile(join(dir, 'a.yaml'), podYaml('a'));
    await writeFile(join(dir, 'bad.yaml'), 'kind: Service\n');
    await start();
    const pod = src.pods()[0];
    await src.rescan();
    await src.rescan();
    expect(events).toEqual(['add a-node1']);
    expect(src.pods()[0]).toBe(pod);
    expect(src.problems().map((p) => p.source.split('/').pop())).toEqual(['bad.yaml']);
    // Same size, same mtime: the inode change time (and the content) still differ.
    const before = await stat(join(dir, 'a.yaml'));
    await writeFile(join(dir, 'a.yaml'), podYaml('a', 'busybox:9'));
    await utimes(join(dir, 'a.yaml'), before.atime, before.mtime);
    await src.rescan();
    expect(events.slice(1)).toEqual([expect.stringMatching(/^remove /), 'add a-node1']);
  });

  it.each([
    [{ kind: 'Service' }, 'kind must be "Pod", got "Service"'],
    [{ kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } }, 'spec.containers: Required value'],
    [{ kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }, { name: 'c', image: 'i' }] } }, 'spec.containers[1].name: Duplicate value: "c"'],
    [{ kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } }, 'spec.containers[0].image: Required value'],
    [{ kind: 'Pod', metadata: { name: 'p' }, spec: { restartPolicy: 'Sometimes', containers: [{ name: 'c', image: 'i' }] } }, 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
  ])('validation: %j', (doc, message) => {
    expect(validateManifest(doc)).toBe(message);
  });
});
