import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventBus } from '../../core/events/event-bus.js';
import type { PasswordService } from './password.service.js';
import { totp, totpStep } from './totp.js';
import type { TwoFactorRepository, TwoFactorState } from './two-factor.repository.js';
import { TwoFactorService } from './two-factor.service.js';
import type { UsersRepository } from './users.repository.js';

const USER = { id: '7b0c1d5e-8a4f-4c2b-9d3e-1f2a3b4c5d6e', roles: ['user'] };

describe('TwoFactorService (repositories stubbed)', () => {
  let state: TwoFactorState;
  let repo: {
    getState: ReturnType<typeof vi.fn>;
    savePendingSecret: ReturnType<typeof vi.fn>;
    claimTotpStep: ReturnType<typeof vi.fn>;
    spendBackupCode: ReturnType<typeof vi.fn>;
  };
  let service: TwoFactorService;
  let secret: string;

  beforeEach(async () => {
    state = { email: 'ada@example.com', secret: null, enabledAt: null, lastStep: null };
    repo = {
      getState: vi.fn(async () => state),
      savePendingSecret: vi.fn(async (_id: string, encrypted: string) => {
        state.secret = encrypted;
      }),
      claimTotpStep: vi.fn(async () => true),
      spendBackupCode: vi.fn(async () => false),
    };
    service = new TwoFactorService(
      repo as unknown as TwoFactorRepository,
      {} as UsersRepository,
      {} as PasswordService,
      { emit: vi.fn() } as unknown as EventBus,
      { signingSecret: 'unit-test-signing-secret', jwtSecret: undefined } as never,
      { name: 'Unit' } as never,
    );
    ({ secret } = await service.setup(USER as never));
    state.enabledAt = new Date();
  });

  it('answers off without two-factor and missing without a code', async () => {
    state.enabledAt = null;
    expect(await service.verifyLogin(USER.id, totp(secret))).toBe('off');
    state.enabledAt = new Date();
    expect(await service.verifyLogin(USER.id, '  ')).toBe('missing');
  });

  it('accepts a right code and records its step', async () => {
    const step = totpStep();
    expect(await service.verifyLogin(USER.id, totp(secret, step * 30_000))).toBe('ok');
    expect(repo.claimTotpStep).toHaveBeenCalledWith(USER.id, step);
  });

  it('treats a code of an accepted step like a wrong one, without claiming it', async () => {
    state.lastStep = totpStep();
    expect(await service.verifyLogin(USER.id, totp(secret, state.lastStep * 30_000))).toBe(
      'invalid',
    );
    expect(repo.claimTotpStep).not.toHaveBeenCalled();
  });

  it('refuses the code when a concurrent login claimed its step first', async () => {
    repo.claimTotpStep.mockResolvedValueOnce(false);
    expect(await service.verifyLogin(USER.id, totp(secret))).toBe('invalid');
  });

  it('spends a backup code (normalised) for anything that is not six digits', async () => {
    expect(await service.verifyLogin(USER.id, 'ABCDE-12345')).toBe('invalid');
    expect(repo.spendBackupCode).toHaveBeenCalledWith(
      USER.id,
      expect.stringMatching(/^[0-9a-f]{64}$/),
    );
    expect(repo.claimTotpStep).not.toHaveBeenCalled();
  });
});
