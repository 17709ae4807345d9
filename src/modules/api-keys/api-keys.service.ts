import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { ConfigType } from '@nestjs/config';
import { apiKeysConfig } from '../../config/api-keys.config.js';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { type Permission, PERMISSIONS } from '../../core/auth/permissions.js';
import { PermissionsService } from '../../core/auth/permissions.service.js';
import { AppException } from '../../core/errors/app.exception.js';
import type { FieldError } from '../../core/errors/error-codes.js';
import type { DomainEvent } from '../../core/events/domain-events.js';
import { EventBus } from '../../core/events/event-bus.js';
import '../auth/identities/identities.events.js';
import type { Page } from '../../core/pagination/page.js';
import { generateApiKey } from './api-key-format.js';
import { ApiKeyCache } from './api-key-cache.js';
import type { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import './api-keys.events.js';
import {
  type ApiKeyDto,
  type CreatedApiKeyDto,
  toApiKeyDto,
  toCreatedApiKeyDto,
} from './dto/api-key.dto.js';
import type { CreateApiKeyInput } from './dto/api-keys.inputs.js';

const DAY_MS = 86_400_000;
const KNOWN = new Set<string>(PERMISSIONS);

const invalid = (errors: FieldError[]): AppException =>
  new AppException('VALIDATION_FAILED', 'The request is not valid', { errors });

const notFound = (): AppException => new AppException('NOT_FOUND', 'No such API key');

/**
 * Creates, lists, rotates and revokes API keys. Only a signed-in user manages keys (a key
 * cannot mint or renew keys); a caller sees and changes only the keys it owns or made.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly permissions: PermissionsService,
    private readonly cache: ApiKeyCache,
    private readonly events: EventBus,
    @Inject(apiKeysConfig.KEY) private readonly config: ConfigType<typeof apiKeysConfig>,
  ) {}

  async create(actor: AuthUser, input: CreateApiKeyInput): Promise<CreatedApiKeyDto> {
    this.assertSignedIn(actor);
    const ownerId = input.ownerId ?? actor.id;
    const owner = await this.ownerFor(actor, ownerId);
    const expiresAt = this.expiryOf(input.expiresAt);
    const scopes = await this.scopesOf(input.scopes, actor.roles, owner.roles);
    const secret = generateApiKey();
    const key = await this.repository.insertWithinLimit(
      {
        ownerId,
        createdBy: actor.id,
        name: input.name.trim(),
        prefix: secret.prefix,
        keyHash: secret.hash,
        scopes,
        expiresAt,
      },
      this.config.maxPerAccount,
    );
    if (!key) {
      throw new AppException(
        'CONFLICT',
        `An account holds at most ${this.config.maxPerAccount} API keys: revoke one first`,
      );
    }
    this.events.emit('apikey.created', {
      apiKeyId: key.id,
      ownerId,
      createdBy: actor.id,
      name: key.name,
      prefix: key.prefix,
      scopes,
      expiresAt: expiresAt.toISOString(),
    });
    return toCreatedApiKeyDto(key, secret.key);
  }

  async list(actor: AuthUser): Promise<Page<ApiKeyDto>> {
    this.assertSignedIn(actor);
    const keys = await this.repository.listVisibleTo(actor.id);
    return { items: keys.map(toApiKeyDto), nextCursor: null, totalCount: keys.length };
  }

  /** A new secret for the same key (id, scopes, expiry); the old one stops at once. */
  async rotate(actor: AuthUser, id: string): Promise<CreatedApiKeyDto> {
    const key = await this.visible(actor, id);
    const secret = generateApiKey();
    if (!(await this.repository.rotate(id, { prefix: secret.prefix, keyHash: secret.hash }))) {
      throw notFound();
    }
    this.cache.forget(id);
    this.events.emit('apikey.rotated', {
      apiKeyId: id,
      ownerId: key.ownerId,
      name: key.name,
      prefix: secret.prefix,
    });
    return toCreatedApiKeyDto({ ...key, prefix: secret.prefix }, secret.key);
  }

  async revoke(actor: AuthUser, id: string): Promise<void> {
    const key = await this.visible(actor, id);
    if (!(await this.repository.revoke(id))) throw notFound();
    this.cache.forget(id);
    this.events.emit('apikey.revoked', { apiKeyId: id, ownerId: key.ownerId, name: key.name });
  }

  /**
   * An unverified account taken over by the verified owner of its e-mail (OpenID sign-in):
   * keys made by whoever registered it stop too, like its password and sessions.
   */
  @OnEvent('auth.account.adopted')
  async onAccountAdopted(event: DomainEvent<'auth.account.adopted'>): Promise<void> {
    for (const id of await this.repository.revokeAllOwnedBy(event.userId)) this.cache.forget(id);
  }

  private assertSignedIn(actor: AuthUser): void {
    if (actor.apiKey) {
      throw new AppException('FORBIDDEN', 'API keys are managed by a signed-in user, not a key');
    }
  }

  private async visible(actor: AuthUser, id: string): Promise<ApiKeyEntity> {
    this.assertSignedIn(actor);
    const key = await this.repository.findVisibleTo(id, actor.id);
    if (!key) throw notFound();
    return key;
  }

  /** The caller itself, or (for users.manage) another live account such as a service account. */
  private async ownerFor(actor: AuthUser, ownerId: string): Promise<{ roles: string[] }> {
    if (ownerId === actor.id) return { roles: actor.roles };
    await this.permissions.assert(actor, 'users.manage');
    const owner = await this.repository.findOwner(ownerId);
    if (!owner) throw invalid([{ field: 'ownerId', message: 'ownerId names no account' }]);
    return owner;
  }

  private expiryOf(requested: string | undefined): Date {
    const now = Date.now();
    if (requested === undefined) return new Date(now + this.config.defaultTtlDays * DAY_MS);
    const at = new Date(requested);
    const latest = now + this.config.maxTtlDays * DAY_MS;
    if (Number.isNaN(at.getTime()) || at.getTime() <= now) {
      throw invalid([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    }
    if (at.getTime() > latest) {
      throw invalid([
        {
          field: 'expiresAt',
          message: `expiresAt must be at most ${this.config.maxTtlDays} days from now`,
        },
      ]);
    }
    return at;
  }

  /** Known permissions that the creator and the owner both hold; each other one is named. */
  private async scopesOf(
    requested: string[],
    creatorRoles: readonly string[],
    ownerRoles: readonly string[],
  ): Promise<Permission[]> {
    const [creator, owner] = await Promise.all([
      this.permissions.forRoles(creatorRoles),
      this.permissions.forRoles(ownerRoles),
    ]);
    const errors: FieldError[] = [];
    requested.forEach((scope, index) => {
      const field = `scopes.${index}`;
      if (!KNOWN.has(scope)) errors.push({ field, message: `${scope} is not a permission` });
      else if (!creator.has(scope)) errors.push({ field, message: `you do not hold ${scope}` });
      else if (!owner.has(scope))
        errors.push({ field, message: `the owner does not hold ${scope}` });
    });
    if (errors.length) throw invalid(errors);
    return [...new Set(requested)] as Permission[];
  }
}
