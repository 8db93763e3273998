// The public surface of @dramac/module-testing: explicit export lines only.
export type { DatabaseSource, DisposableDatabase } from './disposable-database';
export { createDisposableDatabase } from './disposable-database';
export type {
  DemoSiteKey,
  ProvisionModuleOptions,
  TestPlatform,
  TestPlatformOptions,
} from './test-platform';
export { createTestPlatform } from './test-platform';
