import { Initial1763900000000 } from './1763900000000-initial.js';

/** Every migration, in order. Listed explicitly so the app, the CLI and the tests load the same set. */
export const migrations = [Initial1763900000000];
