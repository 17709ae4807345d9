import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { AppException } from '../errors/app.exception.js';
import type { AuthUser } from './auth-user.js';
import type { Permission } from './permissions.js';
import { PermissionsRepository } from './permissions.repository.js';

const REFRESH_MS = 60_000;

export const forbidden = (): AppException =>
  new AppException('FORBIDDEN', 'You do not have permission to do this');

/**
 * The one authorization check: a caller may do what any of its roles is granted. Permissions
 * are data: the role → permissions map is read from the database at start, cached, and
 * reloaded every minute (or on `refresh()`), so checking a caller costs no query.
 */
@Injectable()
export class PermissionsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Permissions');
  private byRole = new Map<string, ReadonlySet<string>>();
  private loading?: Promise<void>;
  private loaded = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly repository: PermissionsRepository) {}

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

  /**
   * Whether the caller holds every listed permission. Synchronous once the map is loaded (every
   * request after start), so guards stay synchronous; a promise only before the first load.
   */
  can(user: AuthUser, ...permissions: [Permission, ...Permission[]]): boolean | Promise<boolean> {
    if (!this.loaded) return this.refresh().then(() => this.holds(user, permissions));
    return this.holds(user, permissions);
  }

  /** Throws 403 FORBIDDEN unless the caller holds every listed permission. */
  async assert(user: AuthUser, ...permissions: [Permission, ...Permission[]]): Promise<void> {
    if (!(await this.can(user, ...permissions))) throw forbidden();
  }

  /** Every permission granted to any of the roles. */
  async forRoles(roles: readonly string[]): Promise<ReadonlySet<string>> {
    if (!this.loaded) await this.refresh();
    if (roles.length === 1) return this.byRole.get(roles[0]) ?? new Set();
    const granted = new Set<string>();
    for (const role of roles) for (const p of this.byRole.get(role) ?? []) granted.add(p);
    return granted;
  }

  /**
   * A signed-in user holds what its roles grant; an API key holds its scopes, as far as its
   * owner's roles still grant them (a key never outranks the one who made it).
   */
  private holds(user: AuthUser, permissions: readonly Permission[]): boolean {
    const roles = user.apiKey ? user.apiKey.ownerRoles : user.roles;
    return permissions.every(
      (permission) =>
        (!user.apiKey || user.apiKey.scopes.includes(permission)) &&
        roles.some((role) => this.byRole.get(role)?.has(permission)),
    );
  }

  private async load(): Promise<void> {
    const next = new Map<string, Set<string>>();
    for (const { role, permission } of await this.repository.getAllGrants()) {
      let set = next.get(role);
      if (!set) next.set(role, (set = new Set()));
      set.add(permission);
    }
    this.byRole = next;
    this.loaded = true;
  }
}
