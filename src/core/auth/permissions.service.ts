import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

const REFRESH_MS = 60_000;

/**
 * Permissions are data: the role → permissions map is read from `role_permissions` at start,
 * cached, and reloaded every minute (or on `refresh()`), so checking a caller costs no query.
 */
@Injectable()
export class PermissionsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Permissions');
  private byRole = new Map<string, ReadonlySet<string>>();
  private loading?: Promise<void>;
  private loaded = false;
  private timer?: NodeJS.Timeout;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    // A failed first load is retried by the timer and by the first check that needs the map.
    await this.refresh().catch((err: unknown) =>
      this.logger.warn({ err }, 'could not load permissions yet'),
    );
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) =>
        this.logger.warn({ err }, 'could not refresh permissions; keeping the cached map'),
      );
    }, REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Reloads the role → permissions map from the database. */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** Every permission granted to any of the roles. */
  async forRoles(roles: readonly string[]): Promise<ReadonlySet<string>> {
    if (!this.loaded) await this.refresh();
    if (roles.length === 1) return this.byRole.get(roles[0]) ?? new Set();
    const granted = new Set<string>();
    for (const role of roles) for (const p of this.byRole.get(role) ?? []) granted.add(p);
    return granted;
  }

  private async load(): Promise<void> {
    const rows: Array<{ role: string; permission: string }> = await this.dataSource.query(
      `SELECT r.name AS role, p.name AS permission
       FROM role_permissions rp
       JOIN roles r ON r.id = rp.role_id
       JOIN permissions p ON p.id = rp.permission_id`,
    );
    const next = new Map<string, Set<string>>();
    for (const { role, permission } of rows) {
      let set = next.get(role);
      if (!set) next.set(role, (set = new Set()));
      set.add(permission);
    }
    this.byRole = next;
    this.loaded = true;
  }
}
