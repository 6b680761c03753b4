// The proxy's only contact with the machine: commands (iptables-restore, iptables-save, ip,
// conntrack) and two sysctls. Everything goes through a Host so tests can run it all inside a
// network namespace (prefix ['ip', 'netns', 'exec', ns]) and never touch the host's own tables.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { NodeletError } from '../lib/errors.ts';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Host {
  /** Runs argv (with stdin), resolving with its exit code; rejects only when it cannot start. */
  run(argv: string[], stdin?: string): Promise<CommandResult>;
  /** The sysctl's value, or undefined when it does not exist here. */
  readSysctl(key: string): Promise<string | undefined>;
  writeSysctl(key: string, value: string): Promise<void>;
}

export class ProxyCommandError extends NodeletError {
  constructor(argv: string[], r: CommandResult) {
    super('proxy.command', `${argv.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
}

/** The command is not installed here (or not on PATH). */
export class ProxyToolMissingError extends NodeletError {
  constructor(readonly tool: string, cause: unknown) {
    super('proxy.tool-missing', `${tool}: not found (the service proxy needs iptables and ip)`, { cause });
  }
}

function runCommand(argv: string[], stdin?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (cmd === undefined) {
      reject(new NodeletError('proxy.command', 'empty command'));
      return;
    }
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new ProxyToolMissingError(cmd, err) : err);
    });
    child.on('close', (code) => { resolve({ code: code ?? 1, stdout, stderr }); });
    child.stdin.on('error', () => { /* the command exited before reading: its exit code says why */ });
    child.stdin.end(stdin ?? '');
  });
}

function sysctlPath(key: string): string {
  return `/proc/sys/${key.replaceAll('.', '/')}`;
}

/**
 * The machine this process runs on, or with a prefix (e.g. ['ip', 'netns', 'exec', ns]) another
 * network namespace: then sysctls go through `sysctl` inside it, since /proc/sys/net is the
 * namespace of whoever reads it.
 */
export function systemHost(prefix: string[] = []): Host {
  const run = (argv: string[], stdin?: string): Promise<CommandResult> => runCommand([...prefix, ...argv], stdin);
  if (prefix.length === 0) {
    return {
      run,
      readSysctl: async (key) => {
        try {
          return (await readFile(sysctlPath(key), 'utf8')).trim();
        } catch {
          return undefined;
        }
      },
      writeSysctl: async (key, value) => { await writeFile(sysctlPath(key), `${value}\n`); },
    };
  }
  return {
    run,
    readSysctl: async (key) => {
      const r = await run(['sysctl', '-n', key]);
      return r.code === 0 ? r.stdout.trim() : undefined;
    },
    writeSysctl: async (key, value) => {
      const r = await run(['sysctl', '-q', '-w', `${key}=${value}`]);
      if (r.code !== 0) throw new ProxyCommandError(['sysctl', '-w', `${key}=${value}`], r);
    },
  };
}

/** Runs argv and fails with its stderr unless it exits 0. */
export async function mustRun(host: Host, argv: string[], stdin?: string): Promise<string> {
  const r = await host.run(argv, stdin);
  if (r.code !== 0) throw new ProxyCommandError(argv, r);
  return r.stdout;
}
