// Port-forward as the kubelet serves it (cri streaming portforward): every forwarded connection
// is a data stream and an error stream; the runtime opens a connection to localhost:<port> inside
// the pod's network namespace; bytes are copied both ways with half-close; when forwarding fails
// the error stream carries "error forwarding port <p> to pod <id>, uid : <why>".
// Two framings reach it:
// - WebSocket (client-node, the Python client): one connection per requested port, on channel
//   2i (data) and 2i+1 (error), each starting with the port as 2 little-endian bytes;
// - SPDY/3.1 (kubectl, plain or tunnelled in WebSocket binary messages): streams paired by their
//   `requestid` header, any number per session (see spdy-port-forward.ts).
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Logger } from '../../lib/log.ts';
import { decodeFrame, encodeFrame, type ChannelProtocol } from './channel-protocol.ts';
import { closeWebSocket } from './websocket-close.ts';

/** Opens a connection to the port inside the pod; rejects with the runtime's reason. */
export type PortForwarder = (port: number, signal: AbortSignal) => Promise<Duplex>;

/** The pod a forward is for, as the kubelet names it in errors (sandbox id and uid). */
export interface ForwardTarget {
  podId: string;
  uid: string;
  forward: PortForwarder;
}

/** The kubelet's error text for one failed forward. */
export function forwardError(port: number, target: ForwardTarget, err: unknown): string {
  const why = err instanceof Error ? err.message : String(err);
  return `error forwarding port ${port} to pod ${target.podId}, uid ${target.uid}: ${why}`;
}

/**
 * The `port` query parameter of a WebSocket port-forward (V4Options): one or more, each a
 * comma-separated list of ports in 1..65535. Returns the error text for a bad one.
 */
export function parseForwardPorts(q: URLSearchParams): number[] | { error: string } {
  const values = q.getAll('port');
  if (values.length === 0) return { error: 'query parameter "port" is required' };
  const ports: number[] = [];
  for (const v of values) {
    if (v === '') return { error: 'query parameter "port" cannot be empty' };
    for (const p of v.split(',')) {
      if (!/^\d+$/.test(p)) return { error: `unable to parse "${v}" as a port: strconv.ParseUint: parsing "${p}": invalid syntax` };
      const n = Number(p);
      if (n > 65535) return { error: `unable to parse "${v}" as a port: strconv.ParseUint: parsing "${p}": value out of range` };
      if (n < 1) return { error: `port "${v}" must be > 0` };
      ports.push(n);
    }
  }
  return ports;
}

/** Bytes queued on the WebSocket beyond which the pod side is paused. */
const HIGH_WATER = 1024 * 1024;

/**
 * Copies between a connection in the pod and a client-side duplex with half-close: the client's
 * end half-closes toward the pod, the pod's end half-closes toward the client. Resolves when both
 * directions are done (or either side failed).
 */
export function joinStreams(client: Duplex, pod: Duplex): Promise<void> {
  return new Promise<void>((resolve) => {
    let done = 0;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      resolve();
    };
    const oneDone = (): void => { if (++done === 2) finish(); };
    client.pipe(pod);
    pod.pipe(client);
    client.once('end', oneDone);
    pod.once('end', oneDone);
    const fail = (): void => {
      client.destroy();
      pod.destroy();
      finish();
    };
    client.once('error', fail);
    pod.once('error', fail);
    client.once('close', () => { if (!client.readableEnded) fail(); });
    pod.once('close', () => { if (!pod.readableEnded) fail(); else oneDone(); });
  });
}

/**
 * Serves a WebSocket port-forward: each requested port gets one connection in the pod, opened
 * at once, as the kubelet does. The socket closes when every connection has ended.
 */
export function serveWebSocketPortForward(ws: WebSocket, protocol: ChannelProtocol, ports: readonly number[], target: ForwardTarget, log: Logger): Promise<void> {
  const abort = new AbortController();
  const conns: (Duplex | undefined)[] = ports.map(() => undefined);
  const early: (Buffer[] | undefined)[] = ports.map(() => undefined);
  let queued = 0;
  const paused = new Set<Duplex>();

  const send = (channel: number, data: Uint8Array): void => {
    if (ws.readyState !== ws.OPEN) return;
    const { payload, binary } = encodeFrame(protocol, channel, data);
    queued += data.length;
    ws.send(payload, { binary }, () => {
      queued -= data.length;
      if (queued < HIGH_WATER / 4) for (const p of [...paused]) { paused.delete(p); p.resume(); }
    });
  };

  // Both channels of each port first carry the port number (uint16, little endian).
  ports.forEach((port, i) => {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16LE(port);
    send(2 * i, prefix);
    send(2 * i + 1, prefix);
  });

  ws.on('message', (message: Buffer | ArrayBuffer | Buffer[]) => {
    const buf = Buffer.isBuffer(message) ? message : Array.isArray(message) ? Buffer.concat(message) : Buffer.from(message);
    const frame = decodeFrame(protocol, buf);
    if (frame === undefined || frame.channel % 2 !== 0) return; // only data channels are writable
    const i = frame.channel / 2;
    if (i >= ports.length || frame.data.length === 0) return;
    const conn = conns[i];
    if (conn === undefined) {
      // bytes sent before the connection in the pod is up wait for it
      (early[i] ??= []).push(Buffer.from(frame.data));
      return;
    }
    if (conn.writableEnded) return;
    if (!conn.write(frame.data)) {
      ws.pause();
      conn.once('drain', () => { ws.resume(); });
    }
  });
  ws.on('close', () => {
    abort.abort(new Error('client closed the stream'));
    for (const c of conns) c?.destroy();
  });
  ws.on('error', (err) => { log.debug({ err }, 'port-forward websocket error'); });

  const one = async (port: number, i: number): Promise<void> => {
    let conn: Duplex;
    try {
      conn = await target.forward(port, abort.signal);
    } catch (err) {
      send(2 * i + 1, Buffer.from(forwardError(port, target, err)));
      return;
    }
    if (abort.signal.aborted) {
      conn.destroy();
      return;
    }
    conns[i] = conn;
    for (const chunk of early[i] ?? []) conn.write(chunk);
    early[i] = undefined;
    conn.on('data', (chunk: Buffer) => {
      send(2 * i, chunk);
      if (queued > HIGH_WATER) {
        conn.pause();
        paused.add(conn);
      }
    });
    await new Promise<void>((resolve) => {
      conn.once('end', resolve);
      conn.once('close', resolve);
      conn.once('error', (err) => {
        send(2 * i + 1, Buffer.from(forwardError(port, target, err)));
        resolve();
      });
    });
  };

  return Promise.all(ports.map(one)).then(() => {
    closeWebSocket(ws);
  });
}
