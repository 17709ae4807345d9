import { createRequire } from 'node:module';

/** The part of the `ws` client the tests use (the package ships no types). */
interface WsClient {
  readyState: number;
  on(event: 'open', listener: () => void): void;
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(
    event: 'unexpected-response',
    listener: (req: unknown, res: { statusCode: number }) => void,
  ): void;
  send(data: string): void;
  close(code?: number): void;
}
type WsConstructor = new (url: string, protocols: string[]) => WsClient;
const WebSocket = createRequire(import.meta.url)('ws') as WsConstructor;

export interface GraphqlWsMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

export interface GraphqlWsConnection {
  messages: GraphqlWsMessage[];
  /** Resolves with the first message (received or to come) that matches. */
  next(
    match: (message: GraphqlWsMessage) => boolean,
    timeoutMs?: number,
  ): Promise<GraphqlWsMessage>;
  send(message: GraphqlWsMessage): void;
  /** The close code and reason, whoever closed. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** A graphql-transport-ws client: connects, optionally sends connection_init, records messages. */
export function openGraphqlWs(url: string): Promise<GraphqlWsConnection> {
  const socket = new WebSocket(url, ['graphql-transport-ws']);
  const messages: GraphqlWsMessage[] = [];
  const waiters: Array<{
    match: (m: GraphqlWsMessage) => boolean;
    resolve: (m: GraphqlWsMessage) => void;
  }> = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as GraphqlWsMessage;
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused with ${res.statusCode}`)),
    );
    socket.on('open', () =>
      resolve({
        messages,
        send: (message) => socket.send(JSON.stringify(message)),
        close: () => socket.close(1000),
        closed,
        next: (match, timeoutMs = 10_000) => {
          const seen = messages.find(match);
          if (seen) return Promise.resolve(seen);
          return new Promise((found, fail) => {
            const timer = setTimeout(
              () => fail(new Error(`no matching graphql-ws message within ${timeoutMs} ms`)),
              timeoutMs,
            );
            waiters.push({
              match,
              resolve: (message) => {
                clearTimeout(timer);
                found(message);
              },
            });
            void closed.then(({ code }) => {
              clearTimeout(timer);
              fail(new Error(`the socket closed (${code}) before a matching message`));
            });
          });
        },
      }),
    );
  });
}

/** Connects and authenticates; resolves once the server acknowledged. */
export async function openAuthenticatedGraphqlWs(
  url: string,
  token: string,
): Promise<GraphqlWsConnection> {
  const connection = await openGraphqlWs(url);
  connection.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  await connection.next((m) => m.type === 'connection_ack');
  return connection;
}

export const NOTIFICATION_ADDED = `subscription ($type: String) {
  notificationAdded(type: $type) { id type title message createdAt }
}`;
