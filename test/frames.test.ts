import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { wsTextFrame } from '../src/transports/frames.js';

/** Accepts one WebSocket handshake by hand, writes `frame`, and returns what a `ws` client made of it. */
async function receivedByClient(frame: Buffer): Promise<{ text: string; binary: boolean }> {
  const server = createServer((socket) => {
    socket.once('data', (head: Buffer) => {
      const key = /Sec-WebSocket-Key: (\S+)/i.exec(head.toString())?.[1] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.write(frame);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return await new Promise((resolve, reject) => {
      ws.once('message', (data, binary) => {
        resolve({ text: String(data), binary });
        ws.terminate();
      });
      ws.once('error', reject);
    });
  } finally {
    server.close();
  }
}

describe('WebSocket frames built once per fan-out', () => {
  for (const length of [0, 1, 125, 126, 65_535, 65_536, 200_000]) {
    it(`frames a ${length}-byte text message that a ws client reads back whole`, async () => {
      const text = 'é'.repeat(Math.floor(length / 2)) + 'x'.repeat(length % 2);
      assert.equal(Buffer.byteLength(text), length);
      assert.deepEqual(await receivedByClient(wsTextFrame(text)), { text, binary: false });
    });
  }
});
