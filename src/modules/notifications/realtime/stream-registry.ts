import type { StreamClient } from './stream-client.js';

export interface StreamLimits {
  maxPerUser: number;
  maxPerIp: number;
}

export type AdmitResult = 'admitted' | 'user_limit' | 'ip_limit';

/**
 * The streams open on this instance, by user and by client IP. The limits are per instance:
 * with N instances behind a balancer a user may hold up to N × maxPerUser streams.
 */
export class StreamRegistry {
  private readonly byUser = new Map<string, Set<StreamClient>>();
  private readonly perIp = new Map<string, number>();
  private readonly clients = new Set<StreamClient>();

  constructor(private readonly limits: StreamLimits) {}

  /** Counts the client in, unless its user or IP already holds as many streams as allowed. */
  admit(client: StreamClient): AdmitResult {
    if (this.clients.has(client)) return 'admitted';
    const mine = this.byUser.get(client.user.id);
    if ((mine?.size ?? 0) >= this.limits.maxPerUser) return 'user_limit';
    const fromIp = this.perIp.get(client.ip) ?? 0;
    if (fromIp >= this.limits.maxPerIp) return 'ip_limit';
    if (mine) mine.add(client);
    else this.byUser.set(client.user.id, new Set([client]));
    this.perIp.set(client.ip, fromIp + 1);
    this.clients.add(client);
    return 'admitted';
  }

  /** Idempotent: a client closing twice is counted out once. */
  remove(client: StreamClient): void {
    if (!this.clients.delete(client)) return;
    const mine = this.byUser.get(client.user.id);
    mine?.delete(client);
    if (mine?.size === 0) this.byUser.delete(client.user.id);
    const fromIp = (this.perIp.get(client.ip) ?? 1) - 1;
    if (fromIp <= 0) this.perIp.delete(client.ip);
    else this.perIp.set(client.ip, fromIp);
  }

  clientsOf(userId: string): ReadonlySet<StreamClient> | undefined {
    return this.byUser.get(userId);
  }

  isConnected(userId: string): boolean {
    return this.byUser.has(userId);
  }

  /**
   * The connected users with ids in [first, last], as PostgreSQL orders uuids (bytewise, which
   * is the order of their lowercase text).
   */
  usersBetween(first: string, last: string): string[] {
    const low = first.toLowerCase();
    const high = last.toLowerCase();
    const users: string[] = [];
    for (const id of this.byUser.keys()) {
      const key = id.toLowerCase();
      if (key >= low && key <= high) users.push(id);
    }
    return users;
  }

  all(): StreamClient[] {
    return [...this.clients];
  }

  get size(): number {
    return this.clients.size;
  }
}
