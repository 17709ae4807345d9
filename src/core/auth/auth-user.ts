import type { Permission } from './permissions.js';

/** The authenticated caller, as services receive it (`service.method(actor, input)`). */
export interface AuthUser {
  id: string;
  /** The caller's roles; empty for an API key, so a check by role alone denies it. */
  roles: string[];
  /** The access token's id (`jti`). */
  tokenId?: string;
  /** The session (refresh-token family) the token was issued for (`sid`). */
  sessionId?: string;
  /** Set when the caller authenticated with an API key (`id` is then the key's owner). */
  apiKey?: ApiKeyCredential;
}

/** What an API key grants: its scopes, as far as its owner still holds them. */
export interface ApiKeyCredential {
  id: string;
  /** The key's permission set: a route's @Permissions are checked against these. */
  scopes: readonly Permission[];
  /** The owner's current roles: a scope the owner no longer holds no longer works. */
  ownerRoles: readonly string[];
}
