import http from 'node:http';

export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

export interface SseStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body when the server answered with something other than a stream. */
  body(): Promise<string>;
  events: SseEvent[];
  comments: string[];
  /** Every `retry:` value received, in order. */
  retries: number[];
  /** Resolves with the first event (already received or to come) that matches. */
  next(match?: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/**
 * A minimal EventSource over node:http: parses `event:`, `id:`, `data:`, `retry:` and comment
 * lines as the WHATWG spec does, and waits for events without polling.
 */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } });
    request.once('error', reject);
    request.once('response', (response) => {
      response.setEncoding('utf8');
      const events: SseEvent[] = [];
      const comments: string[] = [];
      const retries: number[] = [];
      const waiters: Array<{ match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }> =
        [];
      let raw = '';
      let buffer = '';
      let current: Partial<SseEvent> & { data?: string } = {};
      const dispatch = (): void => {
        if (current.data === undefined) {
          current = {};
          return;
        }
        const event: SseEvent = {
          event: current.event ?? 'message',
          data: current.data,
          ...(current.id !== undefined ? { id: current.id } : {}),
        };
        current = {};
        events.push(event);
        for (const waiter of [...waiters]) {
          if (waiter.match(event)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(event);
          }
        }
      };
      const ended = new Promise<void>((done) => {
        response.once('end', done);
        response.once('close', done);
        response.once('error', () => done());
      });
      response.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (line === '') dispatch();
          else if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else {
            const colon = line.indexOf(':');
            const field = colon === -1 ? line : line.slice(0, colon);
            const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data')
              current.data = current.data === undefined ? value : `${current.data}\n${value}`;
            else if (field === 'event') current.event = value;
            else if (field === 'id') current.id = value;
            else if (field === 'retry') retries.push(Number(value));
          }
        }
      });
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        body: () => ended.then(() => raw),
        events,
        comments,
        retries,
        ended,
        next: (match = () => true, timeoutMs = 10_000) => {
          const seen = events.find(match);
          if (seen) return Promise.resolve(seen);
          return new Promise((found, fail) => {
            const timer = setTimeout(
              () => fail(new Error(`no matching SSE event within ${timeoutMs} ms`)),
              timeoutMs,
            );
            waiters.push({
              match,
              resolve: (event) => {
                clearTimeout(timer);
                found(event);
              },
            });
            void ended.then(() => {
              clearTimeout(timer);
              fail(new Error('the stream ended before a matching event'));
            });
          });
        },
        close: () => request.destroy(),
      });
    });
  });
}
