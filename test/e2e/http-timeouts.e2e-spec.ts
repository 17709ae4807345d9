import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';

const HEADERS_MS = 400;
const REQUEST_MS = 1_200;
const IDLE_MS = 2_500;
const KEEP_ALIVE_MS = 600;
/** Far beyond every timeout above: a socket still open then was never going to be closed. */
const NEVER_MS = 15_000;

/**
 * Slow clients cannot hold a connection: the server closes sockets that send nothing, drip their
 * headers or their body, or sit idle after a keep-alive answer. Each client here is bounded by
 * NEVER_MS; the assertions are on what the server did, not on how fast.
 */
describe('slow clients are disconnected', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await bootApp({
      env: {
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
        HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
        HTTP_IDLE_TIMEOUT_MS: String(IDLE_MS),
        HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS),
      },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.getHttpServer().address() as net.AddressInfo).port;
  });
  afterAll(() => t.close());

  /** Connects, runs `drive`, and resolves with what the server sent once it closed the socket. */
  function client(
    drive: (socket: net.Socket) => void,
  ): Promise<{ closedByServer: boolean; received: string }> {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let received = '';
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ closedByServer: false, received });
      }, NEVER_MS);
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        clearInterval((socket as { drip?: NodeJS.Timeout }).drip);
        resolve({ closedByServer: true, received });
      });
      socket.on('connect', () => drive(socket));
    });
  }

  const drip = (socket: net.Socket, text: string, everyMs: number): void => {
    let i = 0;
    (socket as { drip?: NodeJS.Timeout }).drip = setInterval(() => {
      if (i < text.length && !socket.destroyed) socket.write(text[i++]);
    }, everyMs);
  };

  it('closes a connection that sends nothing', async () => {
    const result = await client(() => undefined);
    expect(result.closedByServer).toBe(true);
  });

  it('closes a connection that drips its headers', async () => {
    const result = await client((socket) =>
      drip(socket, 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(500), 50),
    );
    expect(result.closedByServer).toBe(true);
    expect(result.received).not.toMatch(/^HTTP\/1\.1 200/);
  });

  it('closes a connection that drips its body', async () => {
    const result = await client((socket) => {
      socket.write(
        'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
      );
      drip(socket, '{"email":"' + 'a'.repeat(990), 20);
    });
    expect(result.closedByServer).toBe(true);
    expect(result.received).not.toMatch(/^HTTP\/1\.1 [2]/);
  });

  it('answers a keep-alive request, then closes the idle socket', async () => {
    const result = await client((socket) =>
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n'),
    );
    expect(result.received).toMatch(/^HTTP\/1\.1 200/);
    expect(result.received).toMatch(/keep-alive: timeout=\d+/i);
    expect(result.closedByServer).toBe(true);
  });

  it('still serves ordinary clients', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    expect(res.status).toBe(200);
  });
});
