import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import { discoverEngine, parseDockerHost } from './discovery.ts';

describe('parseDockerHost', () => {
  it('maps unix sockets to a socket path', () => {
    expect(parseDockerHost('unix:///run/user/1000/docker.sock')).toEqual({ via: 'DOCKER_HOST', socketPath: '/run/user/1000/docker.sock' });
  });
  it('maps tcp to host and port, defaulting the port', () => {
    expect(parseDockerHost('tcp://10.0.0.5:2375')).toMatchObject({ host: '10.0.0.5', port: 2375, protocol: 'http' });
    expect(parseDockerHost('tcp://engine')).toMatchObject({ host: 'engine', port: 2375 });
  });
  it('rejects what it cannot use with a reason', () => {
    expect(parseDockerHost('npipe:////./pipe/docker_engine')).toMatch(/unsupported DOCKER_HOST/);
  });
});

describe('discoverEngine', () => {
  it('returns undefined when no strategy finds an engine', async () => {
    const env = { HOME: '/nonexistent-home', DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
    expect(await discoverEngine(silentLogger, env, 500, '/nonexistent/default.sock')).toBeUndefined();
  });
  it.runIf(existsSync('/var/run/docker.sock'))('prefers DOCKER_HOST over the default socket', async () => {
    const env = { HOME: '/nonexistent-home', DOCKER_HOST: 'unix:///var/run/docker.sock' };
    const found = await discoverEngine(silentLogger, env, 2000);
    expect(found?.via).toBe('DOCKER_HOST');
  });
});
