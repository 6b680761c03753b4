// nodelet's command line: wiring only; each command lives in cli/commands/. Only the module of the
// command being run is loaded (the agent's modules alone take hundreds of milliseconds, and `up`
// starts two daemons through this file); help and unknown commands load them all.
import { Command } from 'commander';
import { NodeletError } from '../lib/errors.ts';
import { deferUnusedDockerModules } from './defer-deps.ts';

type Register = (program: Command) => void;

// in the order `nodelet --help` lists them
const modules: [names: string[], load: () => Promise<Register>][] = [
  [['setup'], async () => (await import('./commands/setup.ts')).registerSetup],
  [['apiserver'], async () => (await import('./commands/apiserver.ts')).registerApiserver],
  [['up', 'down'], async () => (await import('./commands/up.ts')).registerUp],
  [['agent'], async () => (await import('./commands/agent.ts')).registerAgent],
  [['controller-manager'], async () => (await import('./commands/controller-manager.ts')).registerControllerManager],
  [['proxy'], async () => (await import('./commands/proxy.ts')).registerProxy],
  [['dns'], async () => (await import('./commands/dns.ts')).registerDns],
  [['pods'], async () => (await import('./commands/pods.ts')).registerPods],
];

async function main(argv: string[]): Promise<void> {
  deferUnusedDockerModules();
  const program = new Command('nodelet').description('a kubelet-compatible Kubernetes node on Docker');
  const name = argv.slice(2).find((a) => !a.startsWith('-'));
  const one = modules.find(([names]) => name !== undefined && names.includes(name));
  const registers = await Promise.all((one === undefined ? modules : [one]).map(([, load]) => load()));
  for (const register of registers) register(program);
  await program.parseAsync(argv);
}

main(process.argv).catch((err: unknown) => {
  const message = err instanceof NodeletError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`nodelet: ${message}\n`);
  process.exit(1);
});
