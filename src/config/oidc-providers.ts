import { commaList } from './comma-list.js';

/** How a provider is spoken to: OpenID Connect by discovery, or GitHub's OAuth 2.0 (no ID token). */
export type OidcProviderKind = 'oidc' | 'github';

export interface OidcProviderConfig {
  /** The id in OIDC_PROVIDERS and in the routes: `/auth/oidc/<id>`. */
  id: string;
  /** What a sign-in page shows: OIDC_<ID>_NAME, else the preset's name, else the id. */
  name: string;
  kind: OidcProviderKind;
  /** The issuer identifier (discovery runs against it); GitHub's is fixed. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /**
   * Whether the provider's `email_verified` is believed for linking to and adopting local
   * accounts by e-mail (OIDC_<ID>_TRUST_EMAIL). Presets default to true, others to false.
   */
  trustEmail: boolean;
}

interface Preset {
  name: string;
  kind: OidcProviderKind;
  issuer: string;
}

/** Providers known by id: no OIDC_<ID>_ISSUER needed. */
export const OIDC_PRESETS: Readonly<Record<string, Preset>> = {
  google: { name: 'Google', kind: 'oidc', issuer: 'https://accounts.google.com' },
  github: { name: 'GitHub', kind: 'github', issuer: 'https://github.com' },
};

const PROVIDER_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
const PROVIDER_VARIABLE = /^OIDC_(.+)_(ISSUER|CLIENT_ID|CLIENT_SECRET|TRUST_EMAIL|NAME)$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const BOOLEAN: Readonly<Record<string, boolean>> = {
  true: true,
  '1': true,
  false: false,
  '0': false,
};

/** `corp-eu` → `OIDC_CORP_EU_<SUFFIX>`. */
export function oidcVariableOf(provider: string, suffix: string): string {
  return `OIDC_${provider.toUpperCase().replace(/-/g, '_')}_${suffix}`;
}

/** Plain http only for a provider on this machine (a development or test provider). */
function issuerProblem(variable: string, value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${variable} must be an https:// URL`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return undefined;
  return `${variable} must be an https:// URL (http only for 127.0.0.1, localhost or [::1])`;
}

/**
 * Parses OIDC_PROVIDERS and each provider's OIDC_<ID>_* variables. Returns the providers, or
 * one problem per bad variable, each naming it (never a secret's value), so that the start is
 * refused; like WEBHOOK_SOURCES (webhook-sources.ts).
 */
export function parseOidcProviders(
  list: string,
  raw: Record<string, string | undefined>,
): { providers: Map<string, OidcProviderConfig>; problems: string[] } {
  const providers = new Map<string, OidcProviderConfig>();
  const problems: string[] = [];
  const claimed = new Set<string>();
  const ids = commaList(list);
  for (const id of ids) {
    if (!PROVIDER_ID.test(id)) {
      problems.push(
        `OIDC_PROVIDERS entry "${id.slice(0, 64)}" must be 1-32 lowercase letters, digits or "-"`,
      );
      continue;
    }
    if (providers.has(id) || claimed.has(oidcVariableOf(id, 'CLIENT_ID'))) {
      problems.push(`OIDC_PROVIDERS lists "${id}" twice (or two ids that read the same variables)`);
      continue;
    }
    const read = (suffix: string): string | undefined => {
      const variable = oidcVariableOf(id, suffix);
      claimed.add(variable);
      return raw[variable]?.trim() || undefined;
    };
    const preset = OIDC_PRESETS[id];
    const issuer = read('ISSUER') ?? preset?.issuer;
    const clientId = read('CLIENT_ID');
    const clientSecret = read('CLIENT_SECRET');
    const trust = read('TRUST_EMAIL');
    const name = read('NAME') ?? preset?.name ?? id;
    const before = problems.length;
    if (!issuer) problems.push(`${oidcVariableOf(id, 'ISSUER')} is required for "${id}"`);
    else {
      const problem = issuerProblem(oidcVariableOf(id, 'ISSUER'), issuer);
      if (problem) problems.push(problem);
    }
    if (!clientId) problems.push(`${oidcVariableOf(id, 'CLIENT_ID')} is required for "${id}"`);
    if (!clientSecret) {
      problems.push(`${oidcVariableOf(id, 'CLIENT_SECRET')} is required for "${id}"`);
    }
    if (trust !== undefined && BOOLEAN[trust] === undefined) {
      problems.push(`${oidcVariableOf(id, 'TRUST_EMAIL')} must be true or false`);
    }
    if (name.length > 100)
      problems.push(`${oidcVariableOf(id, 'NAME')} must be at most 100 characters`);
    if (problems.length > before || !issuer || !clientId || !clientSecret) continue;
    providers.set(id, {
      id,
      name,
      kind: preset?.kind ?? 'oidc',
      issuer,
      clientId,
      clientSecret,
      trustEmail: trust === undefined ? preset !== undefined : BOOLEAN[trust],
    });
  }
  for (const [name, value] of Object.entries(raw)) {
    if (PROVIDER_VARIABLE.test(name) && value && !claimed.has(name)) {
      problems.push(`${name} is set but OIDC_PROVIDERS lists no provider that uses it`);
    }
  }
  return { providers, problems };
}
