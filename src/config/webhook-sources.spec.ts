import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, parseEnv } from './env.schema.js';
import { decodeWebhookSecret, parseWebhookSources, secretsVariableOf } from './webhook-sources.js';

const secret = (bytes = 32): string => `whsec_${randomBytes(bytes).toString('base64')}`;

function problemsOf(raw: Record<string, string>): string[] {
  try {
    parseEnv(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).problems;
  }
  throw new Error('parseEnv accepted an invalid environment');
}

describe('webhook sources configuration', () => {
  it('has no sources and a 300 s tolerance by default', () => {
    const env = parseEnv({});
    expect(env.WEBHOOK_SOURCES).toBe('');
    expect(env.WEBHOOK_TOLERANCE_SECONDS).toBe(300);
    expect(parseWebhookSources('', {}).sources.size).toBe(0);
  });

  it('reads one or two secrets per source from WEBHOOK_<ID>_SECRETS', () => {
    const raw = {
      WEBHOOK_SOURCES: ' billing , crm-eu ',
      WEBHOOK_BILLING_SECRETS: secret(),
      WEBHOOK_CRM_EU_SECRETS: `${secret(24)}, ${secret(64)}`,
    };
    expect(() => parseEnv(raw)).not.toThrow();
    const { sources, problems } = parseWebhookSources(raw.WEBHOOK_SOURCES, raw);
    expect(problems).toEqual([]);
    expect([...sources.keys()]).toEqual(['billing', 'crm-eu']);
    expect(sources.get('billing')!.keys).toHaveLength(1);
    expect(sources.get('crm-eu')).toMatchObject({ variable: 'WEBHOOK_CRM_EU_SECRETS' });
    expect(sources.get('crm-eu')!.keys).toHaveLength(2);
  });

  it('decodes the secret of the specification example (24 bytes)', () => {
    const key = decodeWebhookSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(key?.symmetricKeySize).toBe(24);
  });

  it.each([
    ['no prefix', randomBytes(32).toString('base64')],
    ['not base64', 'whsec_not*base64*at*all*not*base64*at*all'],
    ['base64url', `whsec_${'_-'.repeat(16)}`],
    ['too short (23 bytes)', secret(23)],
    ['too long (65 bytes)', secret(65)],
    ['empty', 'whsec_'],
  ])('refuses to start with a bad secret (%s), naming the variable, not the value', (_, value) => {
    const problems = problemsOf({ WEBHOOK_SOURCES: 'billing', WEBHOOK_BILLING_SECRETS: value });
    expect(problems).toEqual([
      'WEBHOOK_BILLING_SECRETS secret 1 must be whsec_ followed by the base64 of 24-64 random bytes',
    ]);
    if (value.length > 6) expect(problems.join(' ')).not.toContain(value.slice(6));
  });

  it('names the second secret when only it is bad', () => {
    expect(
      problemsOf({ WEBHOOK_SOURCES: 'crm', WEBHOOK_CRM_SECRETS: `${secret()},whsec_short` }),
    ).toEqual([
      'WEBHOOK_CRM_SECRETS secret 2 must be whsec_ followed by the base64 of 24-64 random bytes',
    ]);
  });

  it('refuses a missing secret, three secrets and an empty one', () => {
    expect(problemsOf({ WEBHOOK_SOURCES: 'billing' })).toEqual([
      'WEBHOOK_BILLING_SECRETS is required for the webhook source "billing"',
    ]);
    const rotation = 'WEBHOOK_BILLING_SECRETS must hold one or two comma-separated whsec_ secrets';
    expect(
      problemsOf({
        WEBHOOK_SOURCES: 'billing',
        WEBHOOK_BILLING_SECRETS: [secret(), secret(), secret()].join(','),
      }),
    ).toEqual([rotation]);
    expect(
      problemsOf({ WEBHOOK_SOURCES: 'billing', WEBHOOK_BILLING_SECRETS: `${secret()},` }),
    ).toEqual([rotation]);
  });

  it('refuses bad, repeated and colliding source ids', () => {
    expect(
      problemsOf({ WEBHOOK_SOURCES: 'Billing,pay/ments', WEBHOOK_BILLING_SECRETS: secret() }),
    ).toEqual([
      'WEBHOOK_SOURCES entry "Billing" must be 1-63 lowercase letters, digits, "-" or "_"',
      'WEBHOOK_SOURCES entry "pay/ments" must be 1-63 lowercase letters, digits, "-" or "_"',
    ]);
    const s = secret();
    expect(problemsOf({ WEBHOOK_SOURCES: 'crm,crm', WEBHOOK_CRM_SECRETS: s })).toEqual([
      'WEBHOOK_SOURCES lists "crm" twice',
    ]);
    expect(problemsOf({ WEBHOOK_SOURCES: 'crm-eu,crm_eu', WEBHOOK_CRM_EU_SECRETS: s })).toEqual([
      'WEBHOOK_SOURCES entries "crm-eu" and "crm_eu" both read WEBHOOK_CRM_EU_SECRETS',
    ]);
  });

  it('refuses secrets of a source that WEBHOOK_SOURCES does not list (a typo)', () => {
    expect(
      problemsOf({
        WEBHOOK_SOURCES: 'billing',
        WEBHOOK_BILLING_SECRETS: secret(),
        WEBHOOK_BILING_SECRETS: secret(),
      }),
    ).toEqual(['WEBHOOK_BILING_SECRETS is set but WEBHOOK_SOURCES lists no source that uses it']);
  });

  it('bounds the tolerance', () => {
    expect(problemsOf({ WEBHOOK_TOLERANCE_SECONDS: '0' })).toEqual([
      'WEBHOOK_TOLERANCE_SECONDS must not be less than 1',
    ]);
    expect(parseEnv({ WEBHOOK_TOLERANCE_SECONDS: '60' }).WEBHOOK_TOLERANCE_SECONDS).toBe(60);
  });

  it('maps source ids to variable names', () => {
    expect(secretsVariableOf('billing')).toBe('WEBHOOK_BILLING_SECRETS');
    expect(secretsVariableOf('crm-eu')).toBe('WEBHOOK_CRM_EU_SECRETS');
  });
});
