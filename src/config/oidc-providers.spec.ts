import { describe, expect, it } from 'vitest';
import { parseOidcProviders } from './oidc-providers.js';

describe('parseOidcProviders', () => {
  it('reads presets without an issuer and custom providers with one', () => {
    const { providers, problems } = parseOidcProviders('google, corp-eu', {
      OIDC_GOOGLE_CLIENT_ID: 'g-id',
      OIDC_GOOGLE_CLIENT_SECRET: 'g-secret',
      OIDC_CORP_EU_ISSUER: 'https://login.example.com',
      OIDC_CORP_EU_CLIENT_ID: 'c-id',
      OIDC_CORP_EU_CLIENT_SECRET: 'c-secret',
      OIDC_CORP_EU_NAME: 'Corp',
    });
    expect(problems).toEqual([]);
    expect(providers.get('google')).toMatchObject({
      kind: 'oidc',
      issuer: 'https://accounts.google.com',
      name: 'Google',
      trustEmail: true,
    });
    expect(providers.get('corp-eu')).toMatchObject({
      kind: 'oidc',
      issuer: 'https://login.example.com',
      name: 'Corp',
      trustEmail: false,
    });
  });

  it('names every bad variable, never a secret value', () => {
    const { providers, problems } = parseOidcProviders('Bad!,corp,corp,gh', {
      OIDC_CORP_ISSUER: 'http://login.example.com',
      OIDC_CORP_CLIENT_ID: 'id',
      OIDC_CORP_CLIENT_SECRET: 'very-secret-value',
      OIDC_CORP_TRUST_EMAIL: 'maybe',
      OIDC_STRAY_CLIENT_ID: 'x',
    });
    expect(providers.size).toBe(0);
    expect(problems).toEqual([
      'OIDC_PROVIDERS entry "Bad!" must be 1-32 lowercase letters, digits or "-"',
      'OIDC_CORP_ISSUER must be an https:// URL (http only for 127.0.0.1, localhost or [::1])',
      'OIDC_CORP_TRUST_EMAIL must be true or false',
      'OIDC_PROVIDERS lists "corp" twice (or two ids that read the same variables)',
      'OIDC_GH_ISSUER is required for "gh"',
      'OIDC_GH_CLIENT_ID is required for "gh"',
      'OIDC_GH_CLIENT_SECRET is required for "gh"',
      'OIDC_STRAY_CLIENT_ID is set but OIDC_PROVIDERS lists no provider that uses it',
    ]);
    expect(problems.join('\n')).not.toContain('very-secret-value');
  });

  it('allows plain http for a loopback issuer only', () => {
    const env = (issuer: string) => ({
      OIDC_DEV_ISSUER: issuer,
      OIDC_DEV_CLIENT_ID: 'id',
      OIDC_DEV_CLIENT_SECRET: 'secret',
    });
    expect(parseOidcProviders('dev', env('http://127.0.0.1:4000')).problems).toEqual([]);
    expect(parseOidcProviders('dev', env('http://localhost:4000')).problems).toEqual([]);
    expect(parseOidcProviders('dev', env('http://10.0.0.5')).problems).toHaveLength(1);
    expect(parseOidcProviders('dev', env('not a url')).problems).toEqual([
      'OIDC_DEV_ISSUER must be an https:// URL',
    ]);
  });
});
