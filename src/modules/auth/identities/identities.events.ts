/** OpenID identities' domain events (audited, and announced to the user as security alerts). */
declare module '../../../core/events/domain-events.js' {
  interface DomainEvents {
    /** `via`: linked from the account, automatically by a trusted e-mail, or at sign-up. */
    'identity.linked': {
      identityId: string;
      userId: string;
      provider: string;
      via: 'account' | 'email' | 'signup';
    };
    'identity.unlinked': { identityId: string; userId: string; provider: string };
    /** An unverified account taken over by the verified owner of its e-mail address. */
    'auth.account.adopted': { userId: string; provider: string; identityId: string };
  }
}

export {};
