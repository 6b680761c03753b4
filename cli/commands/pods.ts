// `nodelet pods`: the agent's pods as `kubectl get pods` prints them (NAME READY STATUS RESTARTS
// AGE, with STATUS computed like kubectl: Init:0/2, PodInitializing, CrashLoopBackOff, Completed,
// Error, Terminating …).
import type { Command } from 'commander';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { NodeletError } from '../../lib/errors.ts';
import { podRow } from '../../apiserver/api/tables.ts';

export function formatPodTable(pods: readonly Pod[], now: number, opts: { namespace?: boolean } = {}): string {
  const header = [...(opts.namespace === true ? ['NAMESPACE'] : []), 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'];
  const rows = [...pods]
    .sort((a, b) => `${a.metadata?.namespace ?? ''}/${a.metadata?.name ?? ''}`.localeCompare(`${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`))
    .map((p) => [...(opts.namespace === true ? [p.metadata?.namespace ?? ''] : []), ...podRow(p, now, false).cells.map((c) => String(c))]);
  const all = [header, ...rows];
  const widths = header.map((_h, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join('')).join('\n') + '\n';
}

export async function fetchPods(agentUrl: string): Promise<Pod[]> {
  let res: Response;
  try {
    res = await fetch(new URL('/pods', agentUrl));
  } catch (err) {
    throw new NodeletError('ERR_AGENT_UNREACHABLE', `cannot reach the agent at ${agentUrl}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!res.ok) throw new NodeletError('ERR_AGENT', `agent answered ${res.status} for /pods`);
  const list = await res.json() as { items?: Pod[] };
  return list.items ?? [];
}

export function registerPods(program: Command): void {
  program
    .command('pods')
    .description("list the agent's pods like kubectl get pods")
    .option('--agent <url>', 'agent URL', 'http://127.0.0.1:10255')
    .option('-A, --all-namespaces', 'show the NAMESPACE column')
    .action(async (flags: { agent: string; allNamespaces?: boolean }) => {
      const pods = await fetchPods(flags.agent);
      if (pods.length === 0) {
        process.stdout.write('No resources found\n');
        return;
      }
      process.stdout.write(formatPodTable(pods, Date.now(), { namespace: flags.allNamespaces === true }));
    });
}
