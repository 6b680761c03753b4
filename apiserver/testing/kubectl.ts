// Runs the real kubectl against a test server: a private kubeconfig and discovery cache per
// harness, so tests never touch ~/.kube and never see stale discovery.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Kubectl {
  readonly dir: string;
  readonly kubeconfig: string;

  constructor(kubeconfigText: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'nodelet-kubectl-'));
    this.kubeconfig = join(this.dir, 'kubeconfig');
    writeFileSync(this.kubeconfig, kubeconfigText, { mode: 0o600 });
  }

  /** Writes a file in the harness directory and returns its path. */
  file(name: string, content: string): string {
    const p = join(this.dir, name);
    writeFileSync(p, content);
    return p;
  }

  run(args: string[], options: { stdin?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = execFile('kubectl', ['--cache-dir', join(this.dir, 'cache'), ...args], {
        env: { ...process.env, KUBECONFIG: this.kubeconfig, HOME: this.dir },
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: 16 * 1024 * 1024,
      }, (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      });
      if (options.stdin !== undefined) child.stdin?.end(options.stdin);
      else child.stdin?.end();
    });
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
