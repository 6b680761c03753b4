import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerAgent } from './agent.ts';
import { nodeShape, parseMaxPods, parseNodeLabels, parseSystemReserved } from './agent-flags.ts';

describe('agent node flags', () => {
  it('parses --node-labels pairs and rejects malformed ones', () => {
    expect(parseNodeLabels('pool=a, example.com/zone=z1,empty=')).toEqual({ pool: 'a', 'example.com/zone': 'z1', empty: '' });
    expect(parseNodeLabels({ pool: 'b', n: 3 })).toEqual({ pool: 'b', n: '3' });
    expect(() => parseNodeLabels('pool')).toThrow('--node-labels: "pool" is not key=value');
    expect(() => parseNodeLabels('=a')).toThrow('is not key=value');
    expect(() => parseNodeLabels('bad key=a')).toThrow('invalid label key "bad key"');
    expect(() => parseNodeLabels('k=not ok')).toThrow('invalid value "not ok" for label "k"');
  });

  it('parses --max-pods as a positive integer', () => {
    expect(parseMaxPods('20')).toBe(20);
    expect(parseMaxPods(5)).toBe(5);
    for (const bad of ['0', '-1', '2.5', 'many', '']) expect(() => parseMaxPods(bad)).toThrow('--max-pods');
  });

  it('parses --system-reserved cpu and memory quantities', () => {
    expect(parseSystemReserved('cpu=500m,memory=1Gi')).toEqual({ cpuMillis: 500, memoryBytes: 1024 ** 3 });
    expect(parseSystemReserved({ cpu: '1', memory: '100M' })).toEqual({ cpuMillis: 1000, memoryBytes: 100_000_000 });
    expect(() => parseSystemReserved('gpu=1')).toThrow('unsupported resource "gpu"');
    expect(() => parseSystemReserved('cpu=lots')).toThrow('invalid quantity "lots" for cpu');
    expect(() => parseSystemReserved('memory=-1Gi')).toThrow('memory must not be negative');
  });

  it('lets flags win over the config file (labels merge key by key)', () => {
    expect(nodeShape({}, {})).toEqual({});
    expect(nodeShape(
      { nodeLabels: 'pool=flag,extra=1', maxPods: '30', systemReserved: 'cpu=250m' },
      { nodeLabels: { pool: 'cfg', zone: 'z' }, maxPods: 10, systemReserved: { memory: '1Gi' } },
    )).toEqual({ labels: { pool: 'flag', zone: 'z', extra: '1' }, maxPods: 30, systemReserved: { cpuMillis: 250 } });
    expect(nodeShape({}, { maxPods: 10, systemReserved: { memory: '1Gi' } })).toEqual({ maxPods: 10, systemReserved: { memoryBytes: 1024 ** 3 } });
  });

  it('are options of `nodelet agent` whose values reach nodeShape', () => {
    const program = new Command();
    registerAgent(program);
    const agent = program.commands.find((c) => c.name() === 'agent');
    agent?.parseOptions(['--node-labels', 'pool=a,zone=z', '--max-pods', '12', '--system-reserved', 'cpu=1,memory=512Mi']);
    const flags = agent?.opts() ?? {};
    expect(flags).toMatchObject({ nodeLabels: 'pool=a,zone=z', maxPods: '12', systemReserved: 'cpu=1,memory=512Mi' });
    expect(nodeShape(flags, {})).toEqual({ labels: { pool: 'a', zone: 'z' }, maxPods: 12, systemReserved: { cpuMillis: 1000, memoryBytes: 512 * 1024 ** 2 } });
  });
});
