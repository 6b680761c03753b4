// The image the e2e harness runs nodelet's processes in: the local busybox image plus this
// machine's own `node` binary and the shared libraries it (and better-sqlite3's addon) load, so
// the native addon built by `npm ci` matches the runtime exactly. The project itself is not copied
// in: the harness bind-mounts the checkout read-only at the same path, so a code change needs no
// rebuild. Built with testcontainers' own image builder; skipped when an image with the same
// input hash exists (the hash covers the node binary, its libraries and this recipe).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GenericContainer, getContainerRuntimeClient, ImageName } from 'testcontainers';
import { PROJECT_ROOT } from '../../lib/paths.ts';
import { BUSYBOX_IMAGE } from '../../runtime/docker/local-images.ts';

export const NODE_IMAGE = 'localhost/nodelet-e2e-node:dev';
const HASH_LABEL = 'io.nodelet.e2e.input-hash';
// bump when the recipe below changes
const RECIPE_VERSION = '1';

/** Absolute paths of the shared objects `ldd` lists for these binaries (the dynamic loader included). */
export function sharedLibraries(binaries: string[]): string[] {
  const libs = new Set<string>();
  for (const bin of binaries) {
    const out = execFileSync('ldd', [bin], { encoding: 'utf8' });
    for (const line of out.split('\n')) {
      // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
      const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
      if (m?.[1] !== undefined) libs.add(m[1]);
    }
  }
  return [...libs].sort();
}

function addonPaths(): string[] {
  const addon = join(PROJECT_ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  try {
    statSync(addon);
    return [addon];
  } catch {
    return [];
  }
}

function inputHash(node: string, libs: string[]): string {
  const h = createHash('sha256').update(RECIPE_VERSION).update(BUSYBOX_IMAGE);
  for (const file of [node, ...libs]) {
    const st = statSync(file);
    h.update(`${file} ${String(st.size)} ${String(st.mtimeMs)}\n`);
  }
  return h.digest('hex');
}

async function currentHash(image: string): Promise<string | undefined> {
  const client = await getContainerRuntimeClient();
  try {
    const info = await client.image.inspect(ImageName.fromString(image));
    return (info.Config.Labels as Record<string, string> | null)?.[HASH_LABEL];
  } catch {
    return undefined;
  }
}

/** Makes sure NODE_IMAGE exists for the running node binary; returns its name. */
export async function ensureNodeImage(): Promise<string> {
  const node = process.execPath;
  const libs = sharedLibraries([node, ...addonPaths()]);
  const hash = inputHash(node, libs);
  if ((await currentHash(NODE_IMAGE)) === hash) return NODE_IMAGE;
  const ctx = mkdtempSync(join(tmpdir(), 'nodelet-node-image-'));
  try {
    for (const file of [...libs, node]) {
      // copyFile follows symlinks: the image gets the file under the name the loader asks for
      const dest = join(ctx, 'rootfs', file === node ? '/usr/bin/node' : file);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(file, dest);
    }
    writeFileSync(join(ctx, 'Dockerfile'), [
      `FROM ${BUSYBOX_IMAGE}`,
      'COPY rootfs/ /',
      `LABEL ${HASH_LABEL}="${hash}"`,
      'ENTRYPOINT ["/usr/bin/node"]',
      '',
    ].join('\n'));
    await GenericContainer.fromDockerfile(ctx).withPullPolicy({ shouldPull: () => false }).build(NODE_IMAGE, { deleteOnExit: false });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  const built = await currentHash(NODE_IMAGE);
  if (built !== hash) throw new Error(`${NODE_IMAGE}: built, but its input hash is ${built ?? 'missing'} (want ${hash})`);
  return NODE_IMAGE;
}

