// Images nodelet builds offline (no registry is assumed): a busybox image from Debian's
// busybox-static and the pod infra image from nodelet's own pause program. Builds are
// idempotent: the image carries a hash of its inputs and is rebuilt only when they change.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { pack } from 'tar-fs';
import type { Logger } from '../../lib/log.ts';
import { RuntimeError } from '../errors.ts';

export const BUSYBOX_IMAGE = 'localhost/busybox:local';
export const NODELET_PAUSE_IMAGE = 'localhost/nodelet-pause:1.0';
/** The standard infra image; used when present, else nodelet falls back to its own. */
export const DEFAULT_INFRA_IMAGE = 'registry.k8s.io/pause:3.10';

const HASH_LABEL = 'io.nodelet.image-inputs';
const RECIPE_VERSION = '3';
/** The pause image's own recipe version: bumped when its build steps change. */
const PAUSE_RECIPE_VERSION = '4';
/** Where the port-forward relay (images/pause/portforward.c) sits in the pause image. */
export const PORT_FORWARD_RELAY_PATH = '/portforward';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface LocalImagesOptions {
  docker: Docker;
  log: Logger;
  /** Project root, where images/pause/pause.c and portforward.c live. */
  root: string;
}

function sha256(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 32);
}

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'pipe'] });
  if (r.status !== 0) {
    throw new RuntimeError('ERR_RUNTIME', `${what} failed: ${cmd} ${args.join(' ')}: ${r.stderr.toString()}`);
  }
}

function ensureTool(binary: string, debPackages: string[], log: Logger): void {
  if (spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0 || existsSync(binary)) return;
  if (process.getuid?.() !== 0) {
    throw new RuntimeError('ERR_RUNTIME', `${binary} is needed to build nodelet's local images; install: ${debPackages.join(' ')}`);
  }
  log.info({ packages: debPackages }, 'installing image build inputs with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...debPackages], { stdio: 'inherit', env });
  if (r.status !== 0) throw new RuntimeError('ERR_RUNTIME', `apt-get install ${debPackages.join(' ')} failed`);
}

async function currentHash(docker: Docker, ref: string): Promise<string | undefined> {
  try {
    const info = await docker.getImage(ref).inspect();
    // The engine sends null for an image without labels, whatever the typings say.
    const labels = info.Config.Labels as Record<string, string> | null;
    return labels?.[HASH_LABEL];
  } catch {
    return undefined;
  }
}

async function build(docker: Docker, contextDir: string, ref: string, log: Logger): Promise<void> {
  const stream = await docker.buildImage(pack(contextDir, { umask: 0 } as Parameters<typeof pack>[1]), { t: ref, rm: true, forcerm: true });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: { error?: string }[]) => {
      const failed = output.find((o) => o.error !== undefined);
      if (err !== null) reject(err);
      else if (failed?.error !== undefined) reject(new RuntimeError('ERR_RUNTIME', `building ${ref}: ${failed.error}`));
      else resolve();
    });
  });
  log.info({ image: ref }, 'image built');
}

function dockerfile(hash: string, lines: string[]): string {
  return [
    'FROM scratch',
    ...lines,
    // Not the managed-by label: containers inherit image labels, and clean-up by that label must
    // never catch a user's own container started from these images.
    `LABEL ${HASH_LABEL}="${hash}"`,
    '',
  ].join('\n');
}

export async function ensureBusyboxImage(opts: LocalImagesOptions): Promise<string> {
  const { docker, log } = opts;
  const busybox = '/bin/busybox';
  ensureTool(busybox, ['busybox-static'], log);
  const binary = readFileSync(busybox);
  const hash = sha256(RECIPE_VERSION, binary);
  if ((await currentHash(docker, BUSYBOX_IMAGE)) === hash) return BUSYBOX_IMAGE;

  const ctx = mkdtempSync(join(tmpdir(), 'nodelet-busybox-'));
  try {
    const rootfs = join(ctx, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    copyFileSync(busybox, join(rootfs, 'bin/busybox'));
    chmodSync(join(rootfs, 'bin/busybox'), 0o755);
    const applets = spawnSync(busybox, ['--list-full'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l !== '');
    for (const applet of applets) {
      const target = join(rootfs, applet);
      if (existsSync(target)) continue;
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync('/bin/busybox', target);
    }
    mkdirSync(join(rootfs, 'etc'), { recursive: true });
    writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
    for (const dir of ['tmp', 'root', 'var/tmp', 'usr/local/bin', 'home']) mkdirSync(join(rootfs, dir), { recursive: true });
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    chmodSync(join(rootfs, 'var/tmp'), 0o1777);
    writeFileSync(join(ctx, 'Dockerfile'), dockerfile(hash, ['COPY rootfs/ /', `ENV ${PATH_ENV}`, 'CMD ["sh"]']));
    log.info({ image: BUSYBOX_IMAGE, applets: applets.length }, 'building busybox image');
    await build(docker, ctx, BUSYBOX_IMAGE, log);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return BUSYBOX_IMAGE;
}

export async function ensurePauseImage(opts: LocalImagesOptions): Promise<string> {
  const { docker, log } = opts;
  // Two static programs: /pause (the infra process) and /portforward (the port-forward relay,
  // run by `docker exec` in the sandbox or extracted to the host; see port-forward.ts).
  const programs = ['pause', 'portforward'].map((name) => {
    const source = join(opts.root, `images/pause/${name}.c`);
    return { name, source, code: readFileSync(source) };
  });
  const hash = sha256(PAUSE_RECIPE_VERSION, ...programs.flatMap((p) => [p.name, p.code]));
  if ((await currentHash(docker, NODELET_PAUSE_IMAGE)) === hash) return NODELET_PAUSE_IMAGE;

  ensureTool('gcc', ['gcc', 'libc6-dev'], log);
  const ctx = mkdtempSync(join(tmpdir(), 'nodelet-pause-'));
  try {
    for (const p of programs) {
      const out = join(ctx, p.name);
      const libs = p.name === 'portforward' ? ['-pthread'] : [];
      run('gcc', ['-static', '-Os', '-Wall', '-Wextra', '-o', out, p.source, ...libs], `compiling ${p.source}`);
      run('strip', [out], `stripping ${p.name}`);
    }
    writeFileSync(join(ctx, 'Dockerfile'), dockerfile(hash, [
      'COPY pause /pause',
      `COPY portforward ${PORT_FORWARD_RELAY_PATH}`,
      'USER 65535:65535',
      'ENTRYPOINT ["/pause"]',
    ]));
    log.info({ image: NODELET_PAUSE_IMAGE }, 'building pause image');
    await build(docker, ctx, NODELET_PAUSE_IMAGE, log);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return NODELET_PAUSE_IMAGE;
}

export async function ensureLocalImages(opts: LocalImagesOptions): Promise<{ busybox: string; pause: string }> {
  const busybox = await ensureBusyboxImage(opts);
  const pause = await ensurePauseImage(opts);
  return { busybox, pause };
}
