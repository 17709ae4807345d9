/** The authenticated caller, as services receive it (`service.method(actor, input)`). */
export interface AuthUser {
  id: string;
  roles: string[];
  /** The access token's id (`jti`). */
  tokenId?: string;
  /** The session (refresh-token family) the token was issued for (`sid`). */
  sessionId?: string;
}
