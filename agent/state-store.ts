// The agent's small state file (<root>/agent-state.json): what the runtime's labels cannot hold
// and an agent restart must not lose — crash-loop back-off entries, last readiness results per
// container (so a ready pod does not flap after a restart) and the last published pod statuses
// (startTime for activeDeadlineSeconds, condition transition times, terminal phases).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PodStatus } from 'kubernetes-types/core/v1.d.ts';
import type { BackoffEntry } from './backoff.ts';

export const STATE_FILE = 'agent-state.json';
const VERSION = 1;

export interface ReadinessRecord {
  containerId: string;
  ready: boolean;
}

export interface AgentState {
  version: number;
  backoff: Record<string, BackoffEntry>;
  /** uid → container name → last readiness. */
  readiness: Record<string, Record<string, ReadinessRecord>>;
  /** uid → last status. */
  statuses: Record<string, PodStatus>;
}

export function emptyState(): AgentState {
  return { version: VERSION, backoff: {}, readiness: {}, statuses: {} };
}

export class StateStore {
  readonly path: string;
  private writing: Promise<void> = Promise.resolve();
  /** What the file holds after the last successful write (a save of the same state skips the write). */
  private written: string | undefined;

  constructor(rootDir: string) {
    this.path = join(rootDir, STATE_FILE);
  }

  /** The saved state, or an empty one when missing or unreadable (never throws). */
  async load(): Promise<AgentState> {
    try {
      const raw = JSON.parse(await readFile(this.path, 'utf8')) as Partial<AgentState>;
      if (raw.version !== VERSION) return emptyState();
      return { version: VERSION, backoff: raw.backoff ?? {}, readiness: raw.readiness ?? {}, statuses: raw.statuses ?? {} };
    } catch {
      return emptyState();
    }
  }

  /**
   * Writes atomically (temp file + rename); writes are serialized. A state equal to the one last
   * written by this store is not written again (the periodic save of a steady node costs no I/O).
   */
  save(state: AgentState): Promise<void> {
    const data = JSON.stringify(state);
    this.writing = this.writing.catch(() => undefined).then(async () => {
      if (data === this.written) return;
      this.written = undefined;
      await mkdir(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.tmp`;
      await writeFile(tmp, data, { mode: 0o600 });
      await rename(tmp, this.path);
      this.written = data;
    });
    return this.writing;
  }
}
