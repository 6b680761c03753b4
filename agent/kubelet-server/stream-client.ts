// A small client of the kubelet streaming endpoints, speaking the v5 remote-command protocol as
// client-go's WebSocket executor does (binary frames, [255, 0] to close stdin, the Status on
// channel 3, close 1000). Used by the tests here and by the API server's proxy tests.
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { WebSocket } from 'ws';
import { CLOSE, ERROR, RESIZE, STDERR, STDIN, STDOUT, V5_PROTOCOL, decodeFrame, encodeFrame } from './channel-protocol.ts';
import type { ChannelProtocol } from './channel-protocol.ts';
import type { KubeStatus } from './status.ts';

export interface StreamClientOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** CA to trust (the server's self-signed certificate). */
  ca?: string | Buffer;
  rejectUnauthorized?: boolean;
  /** Subprotocols to offer; default v5 only, like kubectl 1.32. */
  protocols?: string[];
  headers?: Record<string, string>;
}

export interface StreamResult {
  protocol: string;
  stdout: string;
  stderr: string;
  /** Raw text of channel 3 (v1: an error string; v4+: Status JSON), '' when none was sent. */
  errorChannel: string;
  /** Decoded channel-3 Status (v4+), undefined when none was sent. */
  status: KubeStatus | undefined;
  /** As kubectl computes it: 0 on Success or no Status, the ExitCode cause for NonZeroExitCode; undefined otherwise. */
  exitCode: number | undefined;
  closeCode: number;
  /** Every server message in order, channel and payload. */
  frames: { channel: number; data: Buffer }[];
}

export interface StreamConnection {
  readonly protocol: string;
  writeStdin(data: string | Uint8Array): Promise<void>;
  /** v5: half-closes stdin ([255, 0]). */
  closeStdin(): Promise<void>;
  resize(width: number, height: number): Promise<void>;
  /** Resolves when channel 1 or 2 output so far contains text. */
  waitForOutput(text: string, channel?: 1 | 2): Promise<void>;
  /** Closes the WebSocket from the client side. */
  close(code?: number): void;
  /** Resolves when the server closes the stream. */
  readonly result: Promise<StreamResult>;
}

/** A non-101 answer to the upgrade, with the server's Status when it sent one. */
export class UpgradeRejectedError extends Error {
  readonly statusCode: number;
  readonly body: string;
  readonly status: KubeStatus | undefined;

  constructor(statusCode: number, body: string) {
    let status: KubeStatus | undefined;
    try {
      status = JSON.parse(body) as KubeStatus;
    } catch {
      status = undefined;
    }
    super(`upgrade rejected with ${statusCode}: ${status?.message ?? body}`);
    this.name = 'UpgradeRejectedError';
    this.statusCode = statusCode;
    this.body = body;
    this.status = status;
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const parts: Buffer[] = [];
    res.on('data', (c: Buffer) => parts.push(c));
    res.on('end', () => { resolve(Buffer.concat(parts).toString('utf8')); });
    res.on('error', reject);
  });
}

function protocolOf(name: string): ChannelProtocol {
  const base64 = name.includes('base64');
  const version = name.startsWith('v5.') ? 5 : name.startsWith('v4.') ? 4 : 1;
  return { name, version, base64 };
}

/** kubectl's reading of the Status (client-go remotecommand v4 errorDecoder). */
export function exitCodeOf(status: KubeStatus | undefined): number | undefined {
  if (status === undefined || status.status === 'Success') return 0;
  if (status.reason !== 'NonZeroExitCode') return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  return cause?.message === undefined ? undefined : Number(cause.message);
}

function wsUrl(url: string): string {
  return url.replace(/^http(s?):/, 'ws$1:');
}

function connect(url: string, opts: StreamClientOptions = {}): Promise<StreamConnection> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers['Authorization'] = `Bearer ${opts.token}`;
  const wsOpts: { headers: Record<string, string>; ca?: string | Buffer; rejectUnauthorized?: boolean } = { headers };
  if (opts.ca !== undefined) wsOpts.ca = opts.ca;
  if (opts.rejectUnauthorized !== undefined) wsOpts.rejectUnauthorized = opts.rejectUnauthorized;
  const ws = new WebSocket(wsUrl(url), opts.protocols ?? [V5_PROTOCOL], wsOpts);

  const frames: { channel: number; data: Buffer }[] = [];
  const out = { 1: [] as Buffer[], 2: [] as Buffer[] };
  const waiters = new Set<() => void>();
  let protocol: ChannelProtocol = protocolOf('');

  const result = new Promise<StreamResult>((resolve) => {
    ws.on('close', (closeCode) => {
      const errorChannel = Buffer.concat(frames.filter((f) => f.channel === ERROR).map((f) => f.data)).toString('utf8');
      let status: KubeStatus | undefined;
      if (protocol.version >= 4 && errorChannel !== '') status = JSON.parse(errorChannel) as KubeStatus;
      const exitCode = protocol.version >= 4 ? exitCodeOf(status) : errorChannel === '' ? 0 : undefined;
      resolve({
        protocol: protocol.name,
        stdout: Buffer.concat(out[1]).toString('utf8'),
        stderr: Buffer.concat(out[2]).toString('utf8'),
        errorChannel, status, exitCode, closeCode, frames,
      });
      for (const w of waiters) w();
    });
  });

  const send = (channel: number, data: Uint8Array): Promise<void> => {
    const { payload, binary } = encodeFrame(protocol, channel, data);
    return new Promise<void>((resolve, reject) => {
      ws.send(payload, { binary }, (err) => { if (err instanceof Error) reject(err); else resolve(); });
    });
  };

  return new Promise<StreamConnection>((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      readBody(res).then((body) => { reject(new UpgradeRejectedError(res.statusCode ?? 0, body)); }, reject);
    });
    ws.on('error', reject);
    ws.on('message', (message: Buffer, isBinary: boolean) => {
      const buf = isBinary ? message : Buffer.from(message.toString('utf8'), 'latin1');
      const frame = decodeFrame(protocol, buf);
      if (frame === undefined) return;
      frames.push(frame);
      if (frame.channel === STDOUT || frame.channel === STDERR) out[frame.channel].push(frame.data);
      for (const w of waiters) w();
    });
    ws.on('open', () => {
      protocol = protocolOf(ws.protocol);
      resolve({
        protocol: ws.protocol,
        writeStdin: (data) => send(STDIN, typeof data === 'string' ? Buffer.from(data) : data),
        closeStdin: () => send(CLOSE, Uint8Array.of(STDIN)),
        resize: (width, height) => send(RESIZE, Buffer.from(`${JSON.stringify({ Width: width, Height: height })}\n`)),
        waitForOutput: (text, channel) => new Promise<void>((done, fail) => {
          const check = (): void => {
            const seen = Buffer.concat(channel === undefined ? [...out[1], ...out[2]] : out[channel]).toString('utf8');
            if (seen.includes(text)) {
              waiters.delete(check);
              done();
            } else if (ws.readyState === ws.CLOSED) {
              waiters.delete(check);
              fail(new Error(`stream closed before output contained ${JSON.stringify(text)}; got ${JSON.stringify(seen)}`));
            }
          };
          waiters.add(check);
          check();
        }),
        close: (code = 1000) => { ws.close(code); },
        result,
      });
    });
  });
}

export interface RunOptions extends StreamClientOptions {
  /** Written on stdin, then (v5) stdin is closed unless keepStdinOpen. */
  stdin?: string | Uint8Array;
  keepStdinOpen?: boolean;
  resize?: { width: number; height: number };
}

/** One exec/attach: connect, send stdin and a resize if given, collect everything until the close. */
async function run(url: string, opts: RunOptions = {}): Promise<StreamResult> {
  const conn = await connect(url, opts);
  if (opts.resize !== undefined) await conn.resize(opts.resize.width, opts.resize.height);
  if (opts.stdin !== undefined) {
    await conn.writeStdin(opts.stdin);
    if (opts.keepStdinOpen !== true && conn.protocol === V5_PROTOCOL) await conn.closeStdin();
  }
  return conn.result;
}

export interface LogsResponse {
  statusCode: number;
  headers: IncomingMessage['headers'];
  /** The response body, to read as a stream (follow) or with text(). */
  body: IncomingMessage;
  text(): Promise<string>;
}

/** GET a /containerLogs URL; the body streams as it arrives. */
function logs(url: string, opts: Omit<StreamClientOptions, 'protocols'> & { signal?: AbortSignal } = {}): Promise<LogsResponse> {
  const u = new URL(url);
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers['Authorization'] = `Bearer ${opts.token}`;
  const reqOpts: Parameters<typeof httpsRequest>[1] = { method: 'GET', headers };
  if (opts.ca !== undefined) reqOpts.ca = opts.ca;
  if (opts.rejectUnauthorized !== undefined) reqOpts.rejectUnauthorized = opts.rejectUnauthorized;
  if (opts.signal !== undefined) reqOpts.signal = opts.signal;
  return new Promise<LogsResponse>((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: res, text: () => readBody(res) });
    };
    const req = u.protocol === 'https:' ? httpsRequest(u, reqOpts, onResponse) : httpRequest(u, reqOpts, onResponse);
    req.on('error', reject);
    req.end();
  });
}

export const kubeletStreamClient = { connect, run, logs };
