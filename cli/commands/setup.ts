// `nodelet setup`: a reachable engine (installed and started here if need be) and the local images.
import type { Command } from 'commander';
import { createLogger } from '../../lib/log.ts';
import { PROJECT_ROOT, stateDir } from '../../lib/paths.ts';
import { dockerFor } from '../../runtime/docker/discovery.ts';
import { ensureEngine } from '../../runtime/docker/local-engine.ts';
import { ensureLocalImages } from '../../runtime/docker/local-images.ts';

export async function setupEngineAndImages(): Promise<{ busybox: string; pause: string }> {
  const log = createLogger('setup');
  const endpoint = await ensureEngine({ stateDir: stateDir(), log });
  return ensureLocalImages({ docker: dockerFor(endpoint), log, root: PROJECT_ROOT });
}

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('make sure a Docker engine answers (install and start one as root on Debian) and build the local images')
    .action(async () => {
      const images = await setupEngineAndImages();
      process.stdout.write(`engine ready; images: ${images.busybox}, ${images.pause}\n`);
    });
}
