import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
// One step either side of now, for clock drift between the server and the authenticator.
const DRIFT_STEPS = 1;

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** The RFC 6238 time step (HMAC-SHA1, 30 s) that contains `nowMs`. */
export const totpStep = (nowMs = Date.now()): number =>
  Math.floor(seconds(nowMs) / TOTP_STEP_SECONDS);

/** A new 160-bit secret, base32 without padding (the form authenticator apps expect). */
export const generateTotpSecret = (): string => generateSecret({ length: 20 });

/** The code of a base32 secret at `atMs` (tests and tooling; logins only verify). */
export const totp = (secret: string, atMs = Date.now(), digits: 6 | 8 = TOTP_DIGITS): string =>
  generateSync({ secret, epoch: seconds(atMs), digits });

/**
 * The time step `code` belongs to, if it matches now ±DRIFT_STEPS and is later than
 * `afterStep` (the last step accepted for this secret: RFC 6238 §5.2, no code twice).
 */
export function acceptedTotpStep(
  secret: string,
  code: string,
  options: { nowMs?: number; afterStep?: number | null } = {},
): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const nowMs = options.nowMs ?? Date.now();
  const afterStep = options.afterStep ?? undefined;
  // otplib refuses an afterTimeStep beyond the window; then no code of the window is newer.
  if (afterStep !== undefined && afterStep >= totpStep(nowMs) + DRIFT_STEPS) return undefined;
  const result = verifySync({
    secret,
    token: code,
    epoch: seconds(nowMs),
    epochTolerance: DRIFT_STEPS * TOTP_STEP_SECONDS,
    afterTimeStep: afterStep,
  });
  // The functional API types TOTP and HOTP results together; a TOTP match carries its step.
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}

/** The otpauth:// URI authenticator apps read from a QR code. */
export const otpauthUrl = (issuer: string, account: string, secret: string): string =>
  generateURI({ issuer, label: account, secret });
