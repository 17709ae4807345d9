import { appConfig } from './app.config.js';
import { databaseConfig } from './database.config.js';
import { graphqlConfig } from './graphql.config.js';
import { healthConfig } from './health.config.js';
import { httpConfig } from './http.config.js';
import { observabilityConfig } from './observability.config.js';
import { queueConfig } from './queue.config.js';
import { securityConfig } from './security.config.js';

export {
  appConfig,
  databaseConfig,
  graphqlConfig,
  healthConfig,
  httpConfig,
  observabilityConfig,
  queueConfig,
  securityConfig,
};
export const allConfigs = [
  appConfig,
  databaseConfig,
  graphqlConfig,
  healthConfig,
  httpConfig,
  observabilityConfig,
  queueConfig,
  securityConfig,
];
