import { SetMetadata } from '@nestjs/common';

export const ROLES_KEY = 'roles';

/** Requires at least one of the roles (checked by the global AuthGuard). */
export const Roles = (...roles: string[]) => SetMetadata(ROLES_KEY, roles);
