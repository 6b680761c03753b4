// The Kubernetes remote-command WebSocket subprotocols (apiserver wsstream, kubelet
// remotecommand/websocket.go): every message is [channel][payload]; the base64 variants send text
// messages whose first character is '0'+channel and whose rest is base64. v5 adds the CLOSE signal
// [255, channel] (client half-closes stdin); v4+ write a JSON Status on the error channel, v1 a
// plain error string.

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

export interface ChannelProtocol {
  /** As negotiated in Sec-WebSocket-Protocol ('' when the client offered none). */
  name: string;
  version: 1 | 4 | 5;
  base64: boolean;
}

export const V5_PROTOCOL = 'v5.channel.k8s.io';
export const V4_PROTOCOL = 'v4.channel.k8s.io';

const SUPPORTED: readonly ChannelProtocol[] = [
  { name: V5_PROTOCOL, version: 5, base64: false },
  { name: V4_PROTOCOL, version: 4, base64: false },
  { name: 'v4.base64.channel.k8s.io', version: 4, base64: true },
  { name: 'channel.k8s.io', version: 1, base64: false },
  { name: 'base64.channel.k8s.io', version: 1, base64: true },
];

export const SUPPORTED_PROTOCOLS: readonly string[] = SUPPORTED.map((p) => p.name);

/**
 * Chooses the subprotocol: v5 when offered, else the first offered one we speak (the kubelet's
 * order). No offer at all means the legacy binary protocol, as the kubelet accepts.
 */
export function negotiateProtocol(offered: readonly string[]): ChannelProtocol | undefined {
  if (offered.length === 0) return { name: '', version: 1, base64: false };
  if (offered.includes(V5_PROTOCOL)) return SUPPORTED[0];
  for (const name of offered) {
    const p = SUPPORTED.find((s) => s.name === name);
    if (p !== undefined) return p;
  }
  return undefined;
}

/** Splits a Sec-WebSocket-Protocol header (possibly repeated) into names. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const joined = Array.isArray(header) ? header.join(',') : header;
  return joined.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export interface Frame {
  channel: number;
  data: Buffer;
}

/** Encodes one message; `binary` says which WebSocket opcode to send it with. */
export function encodeFrame(protocol: ChannelProtocol, channel: number, data: Uint8Array): { payload: Buffer | string; binary: boolean } {
  if (protocol.base64) {
    return { payload: String.fromCharCode(48 + channel) + Buffer.from(data).toString('base64'), binary: false };
  }
  const out = Buffer.allocUnsafe(data.length + 1);
  out[0] = channel;
  out.set(data, 1);
  return { payload: out, binary: true };
}

/** Decodes one received message; undefined for an empty or malformed one (ignored, as the kubelet does). */
export function decodeFrame(protocol: ChannelProtocol, message: Buffer): Frame | undefined {
  if (message.length === 0) return undefined;
  const first = message[0] ?? 0;
  if (protocol.base64) {
    const channel = first - 48;
    if (channel < 0) return undefined;
    return { channel, data: Buffer.from(message.subarray(1).toString('latin1'), 'base64') };
  }
  return { channel: first, data: message.subarray(1) };
}
