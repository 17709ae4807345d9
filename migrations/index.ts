import { Initial1763900000000 } from './1763900000000-initial.js';
import { Auth1763900000001 } from './1763900000001-auth.js';

/** Every migration, in order. Listed explicitly so the app, the CLI and the tests load the same set. */
export const migrations = [Initial1763900000000, Auth1763900000001];
