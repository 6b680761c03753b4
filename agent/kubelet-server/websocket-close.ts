// Ending a WebSocket the way the kubelet does: the close frame, then the connection itself.
// `ws` would wait up to 30 s for the peer's close frame before dropping the socket; clients that
// only notice the end of a stream when the connection closes (the Python client misses frames
// already buffered in its TLS layer, kubernetes-client/python#2414) would wait that long.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

export function closeWebSocket(ws: WebSocket, code = 1000): void {
  if (ws.readyState !== ws.OPEN) return;
  ws.close(code);
  // the close frame is queued on the socket: end() sends it, then FIN (nothing is dropped)
  (ws as unknown as { _socket?: Duplex | null })._socket?.end();
}
