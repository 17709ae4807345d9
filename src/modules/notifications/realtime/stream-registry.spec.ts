import { PassThrough } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { eventOf } from './realtime-hub.js';
import { SseClient } from './sse-client.js';
import type { StreamClient } from './stream-client.js';
import { StreamRegistry } from './stream-registry.js';

const client = (userId: string, ip: string): StreamClient =>
  ({ user: { id: userId, roles: [] }, ip, transport: 'sse' }) as unknown as StreamClient;

describe('StreamRegistry limits', () => {
  it('admits up to maxPerUser streams of one user, then refuses until one closes', () => {
    const registry = new StreamRegistry({ maxPerUser: 2, maxPerIp: 10 });
    const [a, b, c] = [client('u1', 'ip1'), client('u1', 'ip2'), client('u1', 'ip3')];
    expect(registry.admit(a)).toBe('admitted');
    expect(registry.admit(b)).toBe('admitted');
    expect(registry.admit(c)).toBe('user_limit');
    expect(registry.admit(client('u2', 'ip1'))).toBe('admitted');
    registry.remove(a);
    registry.remove(a);
    expect(registry.admit(c)).toBe('admitted');
    expect(registry.clientsOf('u1')?.size).toBe(2);
  });

  it('admits up to maxPerIp streams from one IP, whoever the users', () => {
    const registry = new StreamRegistry({ maxPerUser: 5, maxPerIp: 2 });
    const first = client('u1', 'ip');
    expect(registry.admit(first)).toBe('admitted');
    expect(registry.admit(client('u2', 'ip'))).toBe('admitted');
    expect(registry.admit(client('u3', 'ip'))).toBe('ip_limit');
    expect(registry.admit(client('u3', 'other'))).toBe('admitted');
    registry.remove(first);
    expect(registry.admit(client('u3', 'ip'))).toBe('admitted');
    expect(registry.size).toBe(3);
  });

  it('finds the connected users within a uuid range, as PostgreSQL orders them', () => {
    const registry = new StreamRegistry({ maxPerUser: 5, maxPerIp: 50 });
    const ids = [
      '00000000-0000-4000-8000-000000000001',
      '7fffffff-0000-4000-8000-000000000000',
      'A0000000-0000-4000-8000-000000000000',
      'ffffffff-0000-4000-8000-000000000000',
    ];
    for (const id of ids) registry.admit(client(id, id));
    expect(
      registry.usersBetween(
        '10000000-0000-4000-8000-000000000000',
        'b0000000-0000-4000-8000-000000000000',
      ),
    ).toEqual([ids[1], ids[2]]);
  });
});

describe('SseClient backpressure', () => {
  it('reports a client whose unsent bytes pass the bound as slow, and does not write to it', () => {
    // A response nobody reads: what is written stays buffered.
    const res = new PassThrough({ highWaterMark: 16 }) as unknown as ServerResponse & PassThrough;
    Object.assign(res, { writeHead: () => res });
    const closed: unknown[] = [];
    const sse = new SseClient(
      { id: 'u', roles: [] },
      'ip',
      undefined,
      res,
      { retryMs: 1000, maxBufferedBytes: 2048 },
      (c) => closed.push(c),
    );
    sse.start({}, []);
    const event = eventOf('u', {
      id: 'n',
      type: 't',
      level: 'info',
      title: 'x'.repeat(600),
      message: '',
      data: {},
      entityType: null,
      entityId: null,
      readAt: null,
      createdAt: new Date(),
    });
    const results = Array.from({ length: 10 }, () => sse.write(event));
    expect(results.slice(0, 3)).toEqual(['written', 'written', 'written']);
    expect(results).toContain('slow');
    sse.close('slow_client');
    expect(closed).toEqual([sse]);
  });
});
