// The thin executor's two iptables calls: read what the nat and filter tables hold (to find our
// stale chains and missing jumps), and write one batch with iptables-restore --noflush, which
// leaves every chain that is not ours alone and applies the whole batch or none of it.
import { mustRun, type Host } from './host.ts';
import { parseSave, renderRestore, type RulePlan, type TableState } from './planner.ts';

export async function saveTables(host: Host): Promise<string> {
  const [nat, filter] = await Promise.all([mustRun(host, ['iptables-save', '-t', 'nat']), mustRun(host, ['iptables-save', '-t', 'filter'])]);
  return `${nat}\n${filter}`;
}

export async function readTableState(host: Host, prefix?: string): Promise<TableState> {
  return parseSave(await saveTables(host), prefix);
}

export async function restore(host: Host, text: string): Promise<void> {
  await mustRun(host, ['iptables-restore', '--noflush'], text);
}

/** Reads the tables and writes the plan in one batch; returns the batch written. */
export async function applyPlan(host: Host, plan: RulePlan): Promise<string> {
  const text = renderRestore(plan, await readTableState(host, plan.prefix));
  await restore(host, text);
  return text;
}
