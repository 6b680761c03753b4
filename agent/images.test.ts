import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.ts';
import { FakeRuntime } from '../runtime/testing/fake-runtime.ts';
import { Backoff } from './backoff.ts';
import { EventRecorder } from './events.ts';
import { defaultPullPolicy, ImageManager, parseImageRef } from './images.ts';

const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [{ name: 'c' }] } };

function setup(opts: { images?: string[]; registry?: string[] } = {}): { clock: FakeClock; rt: FakeRuntime; events: EventRecorder; im: ImageManager } {
  const clock = new FakeClock();
  const rt = new FakeRuntime({ clock, ...opts });
  const events = new EventRecorder({ clock, nodeName: 'n' });
  const im = new ImageManager({ images: rt, clock, backoff: new Backoff(clock), events });
  return { clock, rt, events, im };
}
const c = (image: string, imagePullPolicy?: string): Container => ({ name: 'c', image, ...(imagePullPolicy === undefined ? {} : { imagePullPolicy }) });
const msgs = (e: EventRecorder): string[] => e.list().map((x) => `${x.reason}: ${x.message ?? ''}`);

describe('pull policy defaults', () => {
  it.each([
    ['busybox', 'Always'], ['busybox:latest', 'Always'], ['busybox:1.36', 'IfNotPresent'], ['localhost:5000/a/b', 'Always'],
    ['localhost:5000/a/b:v1', 'IfNotPresent'], ['busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'IfNotPresent'],
  ])('%s → %s', (image, policy) => {
    expect(defaultPullPolicy(image)).toBe(policy);
  });
  it('rejects invalid references', () => {
    expect(parseImageRef('Busybox')).toBeUndefined();
    expect(parseImageRef('busybox:bad tag')).toBeUndefined();
    expect(parseImageRef('')).toBeUndefined();
  });
});

describe('ImageManager.ensureImage', () => {
  it('IfNotPresent with the image present: no pull, "already present" event', async () => {
    const { rt, events, im } = setup({ images: ['localhost/busybox:local'] });
    await im.ensureImage(pod, c('localhost/busybox:local'));
    expect(rt.callsOf('pullImage')).toHaveLength(0);
    expect(msgs(events)).toEqual(['Pulled: Container image "localhost/busybox:local" already present on machine']);
  });

  it('Always pulls even when present', async () => {
    const { rt, events, im } = setup({ images: ['nginx:1'], registry: ['nginx:1'] });
    await im.ensureImage(pod, c('nginx:1', 'Always'));
    expect(rt.callsOf('pullImage')).toHaveLength(1);
    expect(msgs(events)[0]).toBe('Pulling: Pulling image "nginx:1"');
    expect(msgs(events).at(-1)).toMatch(/^Pulled: Successfully pulled image "nginx:1" in .* \(.* including waiting\)\. Image size: \d+ bytes\.$/);
  });

  it('Never with the image absent: ErrImageNeverPull', async () => {
    const { events, im } = setup();
    await expect(im.ensureImage(pod, c('x:1', 'Never'))).rejects.toMatchObject({
      reason: 'ErrImageNeverPull', message: 'Container image "x:1" is not present with pull policy of Never',
    });
    expect(msgs(events)).toEqual(['ErrImageNeverPull: Container image "x:1" is not present with pull policy of Never']);
  });

  it('ErrImagePull, then ImagePullBackOff until the back-off passes, then pulls again (10 s, 20 s …)', async () => {
    const { clock, rt, events, im } = setup();
    await expect(im.ensureImage(pod, c('invalid.registry/x:1'))).rejects.toMatchObject({ reason: 'ErrImagePull' });
    expect(msgs(events).at(-1)).toMatch(/^Failed: Failed to pull image "invalid.registry\/x:1": /);
    await clock.step(5000);
    await expect(im.ensureImage(pod, c('invalid.registry/x:1'))).rejects.toMatchObject({ reason: 'ImagePullBackOff', message: 'Back-off pulling image "invalid.registry/x:1"' });
    expect(rt.callsOf('pullImage')).toHaveLength(1);
    await clock.step(5000);
    await expect(im.ensureImage(pod, c('invalid.registry/x:1'))).rejects.toMatchObject({ reason: 'ErrImagePull' });
    await clock.step(10_000);
    await expect(im.ensureImage(pod, c('invalid.registry/x:1'))).rejects.toMatchObject({ reason: 'ImagePullBackOff' });
    await clock.step(10_000);
    await expect(im.ensureImage(pod, c('invalid.registry/x:1'))).rejects.toMatchObject({ reason: 'ErrImagePull' });
    expect(rt.callsOf('pullImage')).toHaveLength(3);
  });

  it('InvalidImageName', async () => {
    const { im } = setup();
    await expect(im.ensureImage(pod, c('Bad Image'))).rejects.toMatchObject({ reason: 'InvalidImageName' });
  });

  it('surfaces pull progress as Pulling events', async () => {
    const { events, im } = setup({ registry: ['big:1'] });
    await im.ensureImage(pod, c('big:1'));
    expect(msgs(events)).toContain('Pulling: Pulling image "big:1": Downloading 1MB/1MB (100%)');
  });
});
