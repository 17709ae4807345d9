import { Initial1763900000000 } from './1763900000000-initial.js';
import { Auth1763900000001 } from './1763900000001-auth.js';
import { UserTokens1763900000002 } from './1763900000002-user-tokens.js';
import { AccountLifecycle1763900000003 } from './1763900000003-account-lifecycle.js';
import { TwoFactor1763900000004 } from './1763900000004-two-factor.js';
import { Audit1763900000005 } from './1763900000005-audit.js';
import { AuditIndexes1763900000006 } from './1763900000006-audit-indexes.js';
import { Files1763900000007 } from './1763900000007-files.js';
import { AuditAppendOnly1763900000008 } from './1763900000008-audit-append-only.js';
import { AccessRevocations1763900000009 } from './1763900000009-access-revocations.js';
import { IdempotencyKeys1763900000010 } from './1763900000010-idempotency-keys.js';
import { WebhookEvents1763900000011 } from './1763900000011-webhook-events.js';
import { TotpLastStep1763900000012 } from './1763900000012-totp-last-step.js';
import { JobAndTwoFactorPermissions1763900000013 } from './1763900000013-job-and-two-factor-permissions.js';
import { Notifications1763900000014 } from './1763900000014-notifications.js';
import { NotificationStreamTickets1763900000015 } from './1763900000015-notification-stream-tickets.js';
import { Stats1763900000016 } from './1763900000016-stats.js';
import { ApiKeys1763900000017 } from './1763900000017-api-keys.js';
import { RegistrationConsents1763900000018 } from './1763900000018-registration-consents.js';
import { UserIdentities1763900000019 } from './1763900000019-user-identities.js';

/** Every migration, in order. Listed explicitly so the app, the CLI and the tests load the same set. */
export const migrations = [
  Initial1763900000000,
  Auth1763900000001,
  UserTokens1763900000002,
  AccountLifecycle1763900000003,
  TwoFactor1763900000004,
  Audit1763900000005,
  AuditIndexes1763900000006,
  Files1763900000007,
  AuditAppendOnly1763900000008,
  AccessRevocations1763900000009,
  IdempotencyKeys1763900000010,
  WebhookEvents1763900000011,
  TotpLastStep1763900000012,
  JobAndTwoFactorPermissions1763900000013,
  Notifications1763900000014,
  NotificationStreamTickets1763900000015,
  Stats1763900000016,
  ApiKeys1763900000017,
  RegistrationConsents1763900000018,
  UserIdentities1763900000019,
];
