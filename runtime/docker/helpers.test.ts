// Small pure pieces of the Docker runtime: error mapping, start-error messages, pull progress,
// log query building, stats and architecture names.
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../errors.ts';
import { startErrorMessage } from './create.ts';
import { goArch } from './docker-runtime.ts';
import { engineMessage, toRuntimeError, withDeadline } from './engine-errors.ts';
import { JsonLineDecoder, progressOf } from './images.ts';
import { logsQuery } from './logs.ts';
import { statsFrom } from './stats.ts';

function modemError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message} `), { statusCode, json: { message } });
}

describe('engine errors', () => {
  it('maps status codes and socket failures to stable codes', () => {
    expect(toRuntimeError(modemError(404, 'No such container: x'), 'ERR_RUNTIME', 'inspecting x').code).toBe('ERR_NOT_FOUND');
    expect(toRuntimeError(modemError(409, 'Conflict'), 'ERR_RUNTIME', 'x').code).toBe('ERR_CONFLICT');
    expect(toRuntimeError(Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' }), 'ERR_RUNTIME', 'x').code).toBe('ERR_ENGINE_UNAVAILABLE');
    const other = toRuntimeError(modemError(500, 'boom'), 'ERR_CREATE_CONTAINER', 'creating c');
    expect(other.code).toBe('ERR_CREATE_CONTAINER');
    expect(other.message).toBe('creating c: boom');
  });

  it('prefers the engine message over the modem wrapper', () => {
    expect(engineMessage(modemError(404, 'No such image: a:1'))).toBe('No such image: a:1');
    expect(engineMessage(new Error('(HTTP code 500) server error - oops '))).toBe('oops');
  });

  it('gives up on a call that does not answer in time', async () => {
    const t0 = Date.now();
    const err = await withDeadline(50, 'hanging call', 'ERR_RUNTIME', () => new Promise(() => undefined)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('ERR_ENGINE_UNAVAILABLE');
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe('startErrorMessage', () => {
  it('reduces runc output to the exec failure', () => {
    const runc = 'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown';
    expect(startErrorMessage('c', runc)).toBe('failed to start container "c": exec: "nope": executable file not found in $PATH');
    expect(startErrorMessage('c', 'port is already allocated')).toBe('failed to start container "c": port is already allocated');
  });
});

describe('pull progress', () => {
  it('decodes JSON lines split across chunks', () => {
    const d = new JsonLineDecoder<{ status: string }>();
    expect(d.push('{"status":"a"}\n{"sta')).toEqual([{ status: 'a' }]);
    expect(d.push('tus":"b"}\n')).toEqual([{ status: 'b' }]);
    expect(d.push('{"status":"c"}')).toEqual([]);
    expect(d.end()).toEqual([{ status: 'c' }]);
  });

  it('turns a progress line into something a user can read', () => {
    expect(progressOf({ status: 'Downloading', id: 'abc', progress: '[==>  ] 1MB/4MB', progressDetail: { current: 1, total: 4 } })).toEqual({
      status: 'abc: Downloading [==>  ] 1MB/4MB',
      current: 1,
      total: 4,
    });
    expect(progressOf({})).toBeUndefined();
  });
});

describe('logsQuery', () => {
  it('maps LogOptions to the engine query', () => {
    expect(logsQuery({})).toEqual({ stdout: true, stderr: true, follow: false, timestamps: false, tail: 'all' });
    expect(logsQuery({ follow: true, tailLines: 10, timestamps: true, since: 1_700_000_000_123 })).toEqual({
      stdout: true,
      stderr: true,
      follow: true,
      timestamps: true,
      tail: '10',
      since: '1700000000.123000000',
    });
  });
});

describe('stats and host facts', () => {
  it('reports the working set (usage minus inactive file) and cpu time', () => {
    expect(statsFrom({ read: '2026-01-01T00:00:00Z', cpu_stats: { cpu_usage: { total_usage: 123 } }, memory_stats: { usage: 1000, stats: { total_inactive_file: 300 } } }, 5)).toEqual({
      cpuUsageNanos: 123,
      memoryUsageBytes: 700,
      timestamp: Date.UTC(2026, 0, 1),
    });
    expect(statsFrom({ read: '0001-01-01T00:00:00Z' }, 5)).toEqual({ cpuUsageNanos: 0, memoryUsageBytes: 0, timestamp: 5 });
  });

  it('names architectures as Kubernetes does', () => {
    expect(goArch('x86_64')).toBe('amd64');
    expect(goArch('aarch64')).toBe('arm64');
    expect(goArch('riscv64')).toBe('riscv64');
  });
});
