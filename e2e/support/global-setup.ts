// vitest globalSetup for the e2e project: an engine and the local images (as `make up` does), the
// harness's node image, and one session id that labels every harness container and ends every
// harness node name, so the teardown can remove whatever a crashed or interrupted file left behind.
import { randomBytes } from 'node:crypto';
import { setupEngineAndImages } from '../../cli/commands/setup.ts';
import { removeSession } from './launcher.ts';
import { ensureNodeImage } from './node-image.ts';
import { e2eRuntime } from './runtime.ts';

export default async function setup(): Promise<() => Promise<void>> {
  // testcontainers' reaper image cannot be pulled here; the teardown below does its job
  process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
  process.env['NODELET_E2E_SESSION'] ??= randomBytes(3).toString('hex');
  const session = process.env['NODELET_E2E_SESSION'];
  await setupEngineAndImages();
  await ensureNodeImage();
  return async () => {
    await removeSession(session);
    await (await e2eRuntime()).removeBySuffix(`-${session}`);
  };
}
