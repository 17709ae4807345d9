import { appConfig } from './app.config.js';
import { auditConfig } from './audit.config.js';
import { backupConfig } from './backup.config.js';
import { authConfig } from './auth.config.js';
import { databaseConfig } from './database.config.js';
import { exportsConfig } from './exports.config.js';
import { filesConfig } from './files.config.js';
import { graphqlConfig } from './graphql.config.js';
import { healthConfig } from './health.config.js';
import { httpConfig } from './http.config.js';
import { mailConfig } from './mail.config.js';
import { notificationsConfig } from './notifications.config.js';
import { oidcConfig } from './oidc.config.js';
import { observabilityConfig } from './observability.config.js';
import { queueConfig } from './queue.config.js';
import { registrationConfig } from './registration.config.js';
import { resilienceConfig } from './resilience.config.js';
import { securityConfig } from './security.config.js';
import { statsConfig } from './stats.config.js';
import { webhooksConfig } from './webhooks.config.js';

/** Every typed configuration namespace, loaded once by the core module. */
export const allConfigs = [
  appConfig,
  auditConfig,
  backupConfig,
  authConfig,
  databaseConfig,
  exportsConfig,
  filesConfig,
  graphqlConfig,
  healthConfig,
  httpConfig,
  mailConfig,
  notificationsConfig,
  oidcConfig,
  observabilityConfig,
  queueConfig,
  registrationConfig,
  resilienceConfig,
  securityConfig,
  statsConfig,
  webhooksConfig,
];
