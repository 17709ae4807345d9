import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { describe, expect, it } from 'vitest';
import { AppException } from '../errors/app.exception.js';
import type { AccessRevocationsService } from './access-revocations.service.js';
import type { AccessTokenService } from './access-token.service.js';
import { AuthGuard } from './auth.guard.js';
import type { AuthUser } from './auth-user.js';
import { Permissions } from './permissions.decorator.js';
import type { PermissionsRepository } from './permissions.repository.js';
import { PermissionsService } from './permissions.service.js';
import { Public } from './public.decorator.js';

class Routes {
  @Public()
  open(): void {}
  signedIn(): void {}
  @Permissions('users.read')
  readUsers(): void {}
  @Permissions('users.read', 'users.manage')
  manageUsers(): void {}
  // @ts-expect-error a misspelt permission does not compile (it would deny everyone)
  @Permissions('user.read')
  misspelt(): void {}
}

const grants = [
  { role: 'admin', permission: 'users.read' },
  { role: 'admin', permission: 'users.manage' },
  { role: 'support', permission: 'users.read' },
];
const permissionsOver = (rows = grants) =>
  new PermissionsService({ getAllGrants: async () => rows } as unknown as PermissionsRepository);

/** Tokens are role lists here: `Bearer admin,support`. */
const tokens = {
  callerOf: (request: { headers: { authorization?: string } }): AuthUser | undefined => {
    const token = request.headers.authorization?.replace(/^Bearer /, '');
    return !token || token === 'bad'
      ? undefined
      : { id: 'u1', roles: token.split(','), tokenId: 't1' };
  },
} as unknown as AccessTokenService;
const revocations = { isRevoked: () => false } as unknown as AccessRevocationsService;

function contextFor(handler: keyof Routes, token?: string) {
  const req = { headers: token ? { authorization: `Bearer ${token}` } : {}, appContext: {} };
  const context = new ExecutionContextHost([req, {}], Routes, Routes.prototype[handler]);
  context.setType('http');
  return context as ExecutionContext;
}

async function outcome(guard: AuthGuard, context: ExecutionContext): Promise<string> {
  try {
    return String(await guard.canActivate(context));
  } catch (error) {
    expect(error).toBeInstanceOf(AppException);
    return (error as AppException).code;
  }
}

describe('AuthGuard', () => {
  const guardWith = async (permissions = permissionsOver()) => {
    await permissions.refresh();
    return new AuthGuard(new Reflector(), tokens, revocations, permissions);
  };

  it('lets @Public() routes through without a token and requires one elsewhere', async () => {
    const guard = await guardWith();
    expect(await outcome(guard, contextFor('open'))).toBe('true');
    expect(await outcome(guard, contextFor('signedIn'))).toBe('UNAUTHENTICATED');
    expect(await outcome(guard, contextFor('signedIn', 'bad'))).toBe('UNAUTHENTICATED');
    expect(await outcome(guard, contextFor('signedIn', 'user'))).toBe('true');
  });

  it('permits a caller whose roles grant every listed permission, denies anyone else', async () => {
    const guard = await guardWith();
    expect(await outcome(guard, contextFor('readUsers', 'user,support'))).toBe('true');
    expect(await outcome(guard, contextFor('readUsers', 'user'))).toBe('FORBIDDEN');
    expect(await outcome(guard, contextFor('manageUsers', 'support'))).toBe('FORBIDDEN');
    expect(await outcome(guard, contextFor('manageUsers', 'admin'))).toBe('true');
  });

  it('answers synchronously once the permission map is loaded', async () => {
    const guard = await guardWith();
    expect(guard.canActivate(contextFor('readUsers', 'admin'))).toBe(true);
    expect(() => guard.canActivate(contextFor('readUsers', 'user'))).toThrow(AppException);
  });

  it('waits for the first load of the map instead of denying', async () => {
    const guard = new AuthGuard(new Reflector(), tokens, revocations, permissionsOver());
    const result = guard.canActivate(contextFor('readUsers', 'admin'));
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBe(true);
  });
});

describe('PermissionsService', () => {
  const admin: AuthUser = { id: 'u1', roles: ['user', 'admin'] };
  const plain: AuthUser = { id: 'u2', roles: ['user'] };

  it('can(): every listed permission must be granted to one of the roles', async () => {
    const permissions = permissionsOver();
    expect(await permissions.can(admin, 'users.read', 'users.manage')).toBe(true);
    expect(await permissions.can(plain, 'users.read')).toBe(false);
    expect(await permissions.can({ id: 'u3', roles: ['support'] }, 'users.manage')).toBe(false);
  });

  it('assert() throws FORBIDDEN when a permission is missing', async () => {
    const permissions = permissionsOver();
    await expect(permissions.assert(admin, 'users.manage')).resolves.toBeUndefined();
    await expect(permissions.assert(plain, 'users.manage')).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('reads grants as data: refresh() picks up a new grant', async () => {
    const rows = [...grants];
    const permissions = permissionsOver(rows);
    expect(await permissions.can(plain, 'jobs.read.any')).toBe(false);
    rows.push({ role: 'user', permission: 'jobs.read.any' });
    await permissions.refresh();
    expect(await permissions.can(plain, 'jobs.read.any')).toBe(true);
  });
});
