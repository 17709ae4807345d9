/**
 * Every permission the migrations seed (`permissions` table). Code names a permission only
 * through this type, so a typo in `@Permissions(...)` or `permissions.can(...)` fails to
 * compile; adding one means a migration that seeds it and a line here.
 */
export const PERMISSIONS = [
  'users.read',
  'users.manage',
  'roles.assign',
  'health.details',
  'audit.read',
  'stats.read',
  'files.read.any',
  'files.manage',
  'jobs.read.any',
  'auth.2fa.required',
  'notifications.broadcast',
  'invites.create',
] as const;

export type Permission = (typeof PERMISSIONS)[number];
