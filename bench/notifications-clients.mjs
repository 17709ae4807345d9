/**
 * A child of bench/notifications-bench.mjs that holds many SSE streams cheaply: plain `http`
 * requests, no keep-alive agent (one socket per stream), a minimal SSE parser. Driven over IPC:
 *
 *   → { cmd: 'open', url, tokens, concurrency }   opens one stream per token (Bearer header)
 *   ← { kind: 'opened', ok, failed, errors, ms }   once every stream answered (or failed)
 *   → { cmd: 'expect', marker, timeoutMs }         wait for a notification whose title is marker
 *   ← { kind: 'received', marker, times, missing } receipt times (ms, performance.timeOrigin +
 *                                                  performance.now(), comparable across
 *                                                  processes of this machine), one per stream
 *   → { cmd: 'close' }                             destroys every stream
 *   ← { kind: 'closed' }
 *   → { cmd: 'stats' } ← { kind: 'stats', rssBytes, open }
 *
 * Started with its file-descriptor limit raised by the parent (sh -c 'ulimit -n …; exec node').
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';

const now = () => performance.timeOrigin + performance.now();
const streams = [];
const waiters = new Map(); // marker -> { times, resolve }

function onFrame(stream, frame) {
  let event = 'message';
  let data = '';
  for (const line of frame.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (event !== 'notification' || !data) return;
  const at = now();
  let title;
  try {
    title = JSON.parse(data).title;
  } catch {
    return;
  }
  stream.received.set(title, at);
  const waiter = waiters.get(title);
  if (waiter) {
    waiter.times.push(at);
    if (waiter.times.length === waiter.expected) waiter.done();
  }
}

function openOne(url, token) {
  return new Promise((resolve) => {
    const stream = { buffer: '', received: new Map(), req: undefined, open: false };
    const req = http.request(url, {
      agent: false,
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    });
    stream.req = req;
    let settled = false;
    const settle = (result) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        settle({ ok: false, error: `status ${res.statusCode}` });
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        stream.buffer += chunk;
        if (!stream.open && stream.buffer.includes('\n\n')) {
          stream.open = true;
          streams.push(stream);
          settle({ ok: true });
        }
        let end;
        while ((end = stream.buffer.indexOf('\n\n')) !== -1) {
          const frame = stream.buffer.slice(0, end);
          stream.buffer = stream.buffer.slice(end + 2);
          onFrame(stream, frame);
        }
      });
      res.on('close', () => {
        stream.open = false;
      });
    });
    req.on('error', (error) => settle({ ok: false, error: error.code ?? error.message }));
    req.end();
  });
}

async function open({ url, tokens, concurrency }) {
  const started = now();
  let next = 0;
  let ok = 0;
  const errors = {};
  const worker = async () => {
    while (next < tokens.length) {
      const token = tokens[next++];
      const result = await openOne(url, token);
      if (result.ok) ok++;
      else errors[result.error] = (errors[result.error] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const failed = tokens.length - ok;
  return { kind: 'opened', ok, failed, errors, ms: now() - started };
}

function expect({ marker, timeoutMs }) {
  return new Promise((resolve) => {
    const live = streams.filter((s) => s.open);
    const times = live.map((s) => s.received.get(marker)).filter((t) => t !== undefined);
    const finish = () => {
      clearTimeout(timer);
      waiters.delete(marker);
      resolve({ kind: 'received', marker, times, missing: live.length - times.length });
    };
    const waiter = { times, expected: live.length, done: finish };
    const timer = setTimeout(finish, timeoutMs);
    waiters.set(marker, waiter);
    if (times.length === live.length) finish();
  });
}

process.on('message', async (message) => {
  switch (message.cmd) {
    case 'open':
      process.send(await open(message));
      break;
    case 'expect':
      process.send(await expect(message));
      break;
    case 'close':
      for (const stream of streams) stream.req.destroy();
      streams.length = 0;
      process.send({ kind: 'closed' });
      break;
    case 'stats':
      process.send({
        kind: 'stats',
        rssBytes: process.memoryUsage.rss(),
        open: streams.filter((s) => s.open).length,
      });
      break;
  }
});
process.on('disconnect', () => process.exit(0));
