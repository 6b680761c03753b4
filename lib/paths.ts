// Where the project and its state live. State (engine pid/logs, apiserver data, agent root) is
// under .run/ unless NODELET_STATE_DIR says otherwise.
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env['NODELET_STATE_DIR'] ?? join(PROJECT_ROOT, '.run'));
}
