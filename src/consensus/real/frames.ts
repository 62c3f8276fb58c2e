/**
 * Framing on the real transport: one JSON document per line over TCP. Line-delimited JSON keeps
 * the proxy simple (it can route and drop whole messages) and debugging easy (`nc` shows it).
 */
import type { Socket } from 'node:net';

export function writeFrame(socket: Socket, frame: unknown): boolean {
  return socket.write(JSON.stringify(frame) + '\n');
}

/** Calls `onFrame` for every complete line received; a malformed line is reported, not fatal. */
export function readFrames(socket: Socket, onFrame: (frame: unknown) => void, onError: (message: string) => void = () => undefined): void {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.length > 0) {
        let frame: unknown;
        try {
          frame = JSON.parse(line);
        } catch {
          onError(`malformed frame (${line.length} bytes) dropped`);
          nl = buffer.indexOf('\n');
          continue;
        }
        onFrame(frame);
      }
      nl = buffer.indexOf('\n');
    }
  });
}
