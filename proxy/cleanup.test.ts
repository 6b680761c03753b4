import { describe, expect, it } from 'vitest';
import { cleanupProxy } from './cleanup.ts';
import { ProxyToolMissingError, systemHost } from './host.ts';

describe('cleanupProxy without the tools', () => {
  it('finds nothing to remove where iptables and ip are not installed', async () => {
    const enoent = new ProxyToolMissingError('iptables-save', new Error('spawn iptables-save ENOENT'));
    const host = {
      run: () => Promise.reject(enoent),
      readSysctl: () => Promise.resolve(undefined),
      writeSysctl: () => Promise.resolve(),
    };
    expect(await cleanupProxy({ host, stateFile: '/nonexistent/nodelet-proxy-state' })).toEqual({ chains: 0, jumps: 0, route: false, routeLocalnet: undefined });
  });

  it('names the missing tool', async () => {
    await expect(systemHost().run(['nodelet-no-such-tool-x'])).rejects.toThrow(/nodelet-no-such-tool-x: not found/);
  });
});
