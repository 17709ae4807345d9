import { Module, type ModuleMetadata, type Type } from '@nestjs/common';

/** Wraps the app module with extra imports (used by tests to mount test-only modules). */
export function withExtraModules(
  appModule: Type<unknown>,
  extra: NonNullable<ModuleMetadata['imports']>,
): Type<unknown> {
  @Module({ imports: [appModule, ...extra] })
  class RootWithExtras {}
  return RootWithExtras;
}
