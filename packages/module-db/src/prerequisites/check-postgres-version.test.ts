import { describe, expect, it } from 'vitest';
import { isModuleDbError } from '../errors';
import { assertSupportedPostgresVersion } from './check-postgres-version';

describe('assertSupportedPostgresVersion', () => {
  it('accepts PostgreSQL 15, 16 and 17 as their servers report them', () => {
    expect(assertSupportedPostgresVersion('15.8 (Debian 15.8-1.pgdg120+1)', 150008)).toEqual({
      version: '15.8 (Debian 15.8-1.pgdg120+1)',
      num: 150008,
      major: 15,
    });
    expect(assertSupportedPostgresVersion('16.4', 160004).major).toBe(16);
    expect(assertSupportedPostgresVersion('17.10', 170010).major).toBe(17);
  });

  it.each([
    ['14.12', 140012],
    ['18.1', 180001],
    ['13.0', 130000],
  ])('refuses %s with a typed error naming the version found and the range', (version, num) => {
    let thrown: unknown;
    try {
      assertSupportedPostgresVersion(version, num);
    } catch (error) {
      thrown = error;
    }
    expect(isModuleDbError(thrown) && thrown.code).toBe('POSTGRES_VERSION_UNSUPPORTED');
    expect(thrown).toMatchObject({ found: version, foundNum: num, supported: '15-17' });
    expect((thrown as Error).message).toContain(`PostgreSQL ${version} is not supported`);
    expect((thrown as Error).message).toContain('15-17');
    expect(JSON.parse(JSON.stringify(thrown))).toMatchObject({
      code: 'POSTGRES_VERSION_UNSUPPORTED',
      found: version,
      supported: '15-17',
    });
  });
});
