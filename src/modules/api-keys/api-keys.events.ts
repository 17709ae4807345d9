/** The API keys module's domain events (audited as entity `api_key`, announced as security alerts). */
declare module '../../core/events/domain-events.js' {
  interface DomainEvents {
    'apikey.created': {
      apiKeyId: string;
      ownerId: string;
      createdBy: string;
      name: string;
      prefix: string;
      scopes: string[];
      expiresAt: string;
    };
    'apikey.rotated': { apiKeyId: string; ownerId: string; name: string; prefix: string };
    'apikey.revoked': { apiKeyId: string; ownerId: string; name: string };
  }
}

export {};
