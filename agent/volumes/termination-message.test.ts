import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { composeTerminatedMessage, prepareTerminationMessageFile, readTerminationMessage } from './termination-message.ts';

describe('termination message', () => {
  let root: string;
  beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'nodelet-tm-')); });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  it('creates a 0666 host file per container instance', async () => {
    const m = await prepareTerminationMessageFile(root, 'uid', 'c', 10);
    expect(m).toEqual({ hostPath: join(root, 'pods', 'uid', 'containers', 'c', '0000000a'), containerPath: '/dev/termination-log', readOnly: false });
    expect((await stat(m.hostPath)).mode & 0o777).toBe(0o666);
    const custom = await prepareTerminationMessageFile(root, 'uid', 'c', 11, '/dev/termination-custom-log');
    expect(custom.containerPath).toBe('/dev/termination-custom-log');
  });

  const logs = (s: string) => (lines: number): Promise<string> => {
    expect(lines).toBe(80);
    return Promise.resolve(s);
  };

  it('applies File and FallbackToLogsOnError like runtime.go expects', async () => {
    const m = await prepareTerminationMessageFile(root, 'uid', 'c', 0);
    const base = { hostPath: m.hostPath, reason: 'Error' };
    // File policy, empty file → "" even on failure.
    expect(await readTerminationMessage({ ...base, policy: 'File', exitCode: 1, logTail: logs('DONE') })).toBe('');
    // Fallback on failure with an empty file → logs.
    expect(await readTerminationMessage({ ...base, policy: 'FallbackToLogsOnError', exitCode: 1, logTail: logs('DONE') })).toBe('DONE');
    // Fallback policy but success → "".
    expect(await readTerminationMessage({ ...base, reason: 'Completed', policy: 'FallbackToLogsOnError', exitCode: 0, logTail: logs('DONE') })).toBe('');
    // Never fall back for ContainerCannotRun.
    expect(await readTerminationMessage({ ...base, reason: 'ContainerCannotRun', policy: 'FallbackToLogsOnError', exitCode: 127, logTail: logs('x') })).toBe('');
    // The file wins.
    await writeFile(m.hostPath, 'OK');
    expect(await readTerminationMessage({ ...base, reason: 'Completed', policy: 'FallbackToLogsOnError', exitCode: 0, logTail: logs('DONE\n') })).toBe('OK');
    expect(await readTerminationMessage({ ...base, policy: 'FallbackToLogsOnError', exitCode: 1, logTail: logs('DONE\n') })).toBe('OK');
    // Missing file → fallback.
    expect(await readTerminationMessage({ ...base, hostPath: join(root, 'nope'), policy: 'FallbackToLogsOnError', exitCode: 2, logTail: logs('x') })).toBe('x');
  });

  it('caps the file at its last 4096 bytes and the logs at their last 2048', async () => {
    const m = await prepareTerminationMessageFile(root, 'uid', 'c', 0);
    await writeFile(m.hostPath, `${'a'.repeat(100)}${'b'.repeat(4096)}`);
    expect(await readTerminationMessage({ hostPath: m.hostPath, policy: 'File', exitCode: 0, reason: 'Completed', logTail: logs('') })).toBe('b'.repeat(4096));
    await writeFile(m.hostPath, '');
    const tail = `${'x'.repeat(10)}${'y'.repeat(2048)}`;
    expect(await readTerminationMessage({ hostPath: m.hostPath, policy: 'FallbackToLogsOnError', exitCode: 1, reason: 'Error', logTail: logs(tail) })).toBe('y'.repeat(2048));
  });

  it('composes with the runtime message', () => {
    expect(composeTerminatedMessage('', 'DONE')).toBe('DONE');
    expect(composeTerminatedMessage('oops', 'DONE')).toBe('oops: DONE');
    expect(composeTerminatedMessage('oops', '')).toBe('oops');
  });
});
