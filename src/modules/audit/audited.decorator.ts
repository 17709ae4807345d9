import { SetMetadata } from '@nestjs/common';

export const AUDITED_KEY = 'audit:action';

/** Records an audit entry named `action` (e.g. 'user.update') after the handler runs. */
export const Audited = (action: string) => SetMetadata(AUDITED_KEY, action);
