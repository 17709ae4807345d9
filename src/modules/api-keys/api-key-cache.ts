import { Injectable, type OnModuleInit } from '@nestjs/common';
import { PgListener } from '../../core/database/pg-listener.js';
import { API_KEY_CHANGES_CHANNEL, type ApiKeyForAuth } from './api-keys.repository.js';

/** How long a key read from the table is trusted without a notification saying otherwise. */
const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

/**
 * Keys read for authentication, by hash, for 30 s. A rotation or revocation NOTIFYs
 * `api_key_changes` in the statement that makes it, so every instance drops the key at once.
 * While the LISTEN connection is down nothing is cached: each use reads the table, so a change
 * made elsewhere is never missed.
 */
@Injectable()
export class ApiKeyCache implements OnModuleInit {
  private readonly byHash = new Map<string, { key: ApiKeyForAuth; until: number }>();
  private listening = false;

  constructor(private readonly listener: PgListener) {}

  async onModuleInit(): Promise<void> {
    await this.listener.listen(API_KEY_CHANGES_CHANNEL, {
      message: (id) => this.forget(id),
      connected: () => {
        this.byHash.clear();
        this.listening = true;
      },
      disconnected: () => {
        this.listening = false;
        this.byHash.clear();
      },
    });
  }

  get(hash: string): ApiKeyForAuth | undefined {
    const entry = this.byHash.get(hash);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.key;
    this.byHash.delete(hash);
    return undefined;
  }

  set(hash: string, key: ApiKeyForAuth): void {
    if (!this.listening) return;
    if (this.byHash.size >= MAX_ENTRIES) this.byHash.clear();
    this.byHash.set(hash, { key, until: Date.now() + TTL_MS });
  }

  /** Drops a key (rotated or revoked here or on another instance). */
  forget(id: string): void {
    for (const [hash, entry] of this.byHash) if (entry.key.id === id) this.byHash.delete(hash);
  }
}
