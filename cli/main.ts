// nodelet's command line: wiring only; each command lives in cli/commands/.
import { Command } from 'commander';
import { NodeletError } from '../lib/errors.ts';
import { registerAgent } from './commands/agent.ts';
import { registerApiserver } from './commands/apiserver.ts';
import { registerPods } from './commands/pods.ts';
import { registerSetup } from './commands/setup.ts';
import { registerUp } from './commands/up.ts';

const program = new Command('nodelet').description('a kubelet-compatible Kubernetes node on Docker');
registerSetup(program);
registerApiserver(program);
registerUp(program);
registerAgent(program);
registerPods(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const message = err instanceof NodeletError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`nodelet: ${message}\n`);
  process.exit(1);
});
