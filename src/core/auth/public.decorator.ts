import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'isPublic';

/** Opts a route or controller out of authentication (everything else requires a token). */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);
