// The container's termination message (kuberuntime): before creation a per-container host file
// (mode 0666, so any uid can write it) is bind-mounted at terminationMessagePath; after exit the
// message is the file's last 4096 bytes, or with FallbackToLogsOnError, when the file is empty
// and the container failed (exit code != 0, not ContainerCannotRun), the last 80 log lines capped
// to their last 2048 bytes.
import { chmod, mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mount } from '../../runtime/types.ts';
import { containerDir } from './paths.ts';

export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';
export const MAX_TERMINATION_MESSAGE_LENGTH = 4096;
export const MAX_TERMINATION_MESSAGE_LOG_LINES = 80;
export const MAX_TERMINATION_MESSAGE_LOG_LENGTH = 2048;

export type TerminationMessagePolicy = 'File' | 'FallbackToLogsOnError';

/** Host file for one instance (attempt) of a container: <pod>/containers/<name>/<attempt %08x>. */
export function terminationMessageHostPath(rootDir: string, podUid: string, containerName: string, attempt: number): string {
  return join(containerDir(rootDir, podUid, containerName), attempt.toString(16).padStart(8, '0'));
}

/** Creates (or truncates) the host file and returns the mount for it. */
export async function prepareTerminationMessageFile(
  rootDir: string, podUid: string, containerName: string, attempt: number, containerPath = DEFAULT_TERMINATION_MESSAGE_PATH,
): Promise<Mount> {
  const hostPath = terminationMessageHostPath(rootDir, podUid, containerName, attempt);
  await mkdir(containerDir(rootDir, podUid, containerName), { recursive: true });
  await writeFile(hostPath, '');
  await chmod(hostPath, 0o666);
  return { hostPath, containerPath: containerPath === '' ? DEFAULT_TERMINATION_MESSAGE_PATH : containerPath, readOnly: false };
}

/** The last max bytes of a file; undefined when it does not exist. */
async function readLastBytes(path: string, max: number): Promise<Buffer | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const { size } = await fh.stat();
    const len = Math.min(size, max);
    const buf = Buffer.alloc(len);
    if (len > 0) await fh.read(buf, 0, len, size - len);
    return buf;
  } finally {
    await fh.close();
  }
}

export interface TerminationMessageInput {
  /** The host file mounted at terminationMessagePath; undefined if none was mounted. */
  hostPath: string | undefined;
  /** TerminationMessagePolicy ('File' | 'FallbackToLogsOnError'); unknown values act as File. */
  policy: string | undefined;
  exitCode: number;
  /** The runtime's terminated reason ('Completed', 'Error', 'OOMKilled', 'ContainerCannotRun'). */
  reason: string;
  /** The container's last `lines` log lines (stdout and stderr interleaved), raw. */
  logTail: (lines: number) => Promise<Buffer | string>;
}

export async function readTerminationMessage(input: TerminationMessageInput): Promise<string> {
  const fallback = input.policy === 'FallbackToLogsOnError' && input.exitCode !== 0 && input.reason !== 'ContainerCannotRun';
  let data: Buffer | undefined;
  if (input.hostPath !== undefined) {
    try {
      data = await readLastBytes(input.hostPath, MAX_TERMINATION_MESSAGE_LENGTH);
    } catch (err) {
      return `Error on reading termination log ${input.hostPath}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  if (data !== undefined && data.length > 0) return data.toString('utf8');
  if (!fallback) return '';
  try {
    const tail = await input.logTail(MAX_TERMINATION_MESSAGE_LOG_LINES);
    const buf = typeof tail === 'string' ? Buffer.from(tail, 'utf8') : tail;
    return buf.subarray(Math.max(0, buf.length - MAX_TERMINATION_MESSAGE_LOG_LENGTH)).toString('utf8');
  } catch (err) {
    return `Error on reading termination message from logs: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** terminated.message: the runtime's message, then ": " and the termination message when both exist. */
export function composeTerminatedMessage(runtimeMessage: string, terminationMessage: string): string {
  if (terminationMessage === '') return runtimeMessage;
  return runtimeMessage === '' ? terminationMessage : `${runtimeMessage}: ${terminationMessage}`;
}
