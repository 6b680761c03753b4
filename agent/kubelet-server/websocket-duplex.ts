// A WebSocket's binary messages as one byte stream, for protocols carried inside a WebSocket as
// a byte stream rather than as messages (kubectl's SPDY/3.1+portforward.k8s.io tunnel sends SPDY
// frames split across messages of any size). A text message is a protocol error.
import { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { closeWebSocket } from './websocket-close.ts';

export function webSocketDuplex(ws: WebSocket): Duplex {
  const toBuffer = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));
  const d = new Duplex({
    read(): void {
      ws.resume();
    },
    write(chunk: Buffer, _enc, cb): void {
      if (ws.readyState !== ws.OPEN) {
        cb(new Error('the WebSocket is closed'));
        return;
      }
      ws.send(chunk, { binary: true }, (err) => { cb(err ?? null); });
    },
    final(cb): void {
      closeWebSocket(ws);
      cb();
    },
    destroy(err, cb): void {
      if (ws.readyState !== ws.CLOSED) ws.terminate();
      cb(err);
    },
  });
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (!isBinary) {
      d.destroy(new Error('a text message on a binary stream'));
      return;
    }
    if (!d.push(toBuffer(data))) ws.pause();
  });
  ws.on('close', () => { d.push(null); });
  ws.on('error', (err) => { d.destroy(err); });
  return d;
}
