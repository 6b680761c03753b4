// The official Kubernetes Python client for e2e/client-python.test.ts: Debian's python3-kubernetes
// (22.6.0 on bookworm), installed into the system Python when it is missing and we may (root on
// Debian/Ubuntu), as `make test` installs the engine. Always the system /usr/bin/python3: a pyenv
// python3 earlier on PATH does not see Debian's packages.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The interpreter the client scripts run with. */
export const PYTHON = '/usr/bin/python3';

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], timeoutMs: number): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(file, args, {
      timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024,
      // no __pycache__ beside the scripts in the checkout
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', PYTHONDONTWRITEBYTECODE: '1' },
    }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

async function clientVersion(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return undefined;
  const r = await run(PYTHON, ['-c', 'import kubernetes; print(kubernetes.__version__)'], 30_000);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

function isDebian(): boolean {
  return existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get');
}

/**
 * Makes `import kubernetes` work in /usr/bin/python3 and returns the client's version. Installs
 * python3-kubernetes with apt-get when we are root on Debian (apt-get update only if the first
 * install fails); anywhere else it fails and says what to install.
 */
export async function ensurePythonClient(): Promise<string> {
  const have = await clientVersion();
  if (have !== undefined) return have;
  const root = process.getuid?.() === 0;
  if (!root || !isDebian()) {
    throw new Error(`the official Kubernetes Python client is missing: ${PYTHON} -c 'import kubernetes' fails. `
      + 'Install it (as root on Debian/Ubuntu: apt-get install python3-kubernetes); the tests run it with the system python3.');
  }
  const install = ['install', '-y', '-qq', '--no-install-recommends', 'python3-kubernetes'];
  let r = await run('apt-get', install, 300_000);
  if (r.code !== 0) {
    const update = await run('apt-get', ['update', '-qq'], 300_000);
    if (update.code !== 0) throw new Error(`apt-get update failed (${String(update.code)}): ${update.stderr.trim()}`);
    r = await run('apt-get', install, 300_000);
  }
  if (r.code !== 0) throw new Error(`apt-get install python3-kubernetes failed (${String(r.code)}): ${r.stderr.trim()}`);
  const version = await clientVersion();
  if (version === undefined) throw new Error(`python3-kubernetes is installed but ${PYTHON} -c 'import kubernetes' still fails`);
  return version;
}

/** Runs a client script with the system python3; never throws on a non-zero exit. */
export function runPython(script: string, args: string[], timeoutMs = 60_000): Promise<ProcessResult> {
  return run(PYTHON, ['-u', script, ...args], timeoutMs);
}
