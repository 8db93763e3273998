import { describe, expect, it } from 'vitest';
import { crmModule } from '../../test/fixtures/sample-modules';
import { isDefinitionValidationError } from '../errors';
import { checkDefinitionSize, DEFINITION_LIMITS } from './definition-limits';
import { validateModuleDefinition } from './validate-module-definition';

async function refusal(input: unknown) {
  const started = performance.now();
  const error = await validateModuleDefinition(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  const ms = performance.now() - started;
  if (!isDefinitionValidationError(error))
    throw new Error(`expected a refusal, got ${String(error)}`);
  return { issues: error.issues, ms };
}

const column = (i: number) => ({ name: `c${i}`, type: 'text' });
const table = (i: number, columns: number) => ({
  name: `t${i}`,
  columns: Array.from({ length: columns }, (_, k) => column(k)),
});

describe('definition size limits', () => {
  it('refuses 500 tables of 100 columns at once, naming the limit', async () => {
    const huge = { ...crmModule, tables: Array.from({ length: 500 }, (_, i) => table(i, 100)) };
    const { issues, ms } = await refusal(huge);
    console.log(`[limits] 500 x 100 columns refused in ${ms.toFixed(1)} ms`);
    expect(issues).toEqual([
      expect.objectContaining({ path: 'tables', code: 'definition_too_large' }),
    ]);
    expect(issues[0]?.message).toContain(`at most ${DEFINITION_LIMITS.tables}`);
  });

  it('refuses too many columns in one table, and in all tables', () => {
    expect(
      checkDefinitionSize({ tables: [table(0, DEFINITION_LIMITS.columnsPerTable + 1)] }),
    ).toMatchObject({
      path: 'tables[0].columns',
      code: 'definition_too_large',
    });
    const wide = Array.from({ length: 20 }, (_, i) => table(i, 150));
    expect(checkDefinitionSize({ tables: wide })).toMatchObject({ path: 'tables' });
  });

  it('refuses a 1 MB name before looking at it', async () => {
    const name = 'a'.repeat(1_000_000);
    const { issues } = await refusal({ ...crmModule, name });
    expect(issues).toEqual([
      expect.objectContaining({ path: 'name', code: 'definition_too_large' }),
    ]);
    const { issues: tableIssues } = await refusal({
      ...crmModule,
      tables: [{ ...crmModule.tables[0], name }],
    });
    expect(tableIssues[0]).toMatchObject({ path: 'tables[0].name', code: 'definition_too_large' });
  });

  it('refuses deep nesting without recursion, and walks shared references once', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(checkDefinitionSize({ tables: [], extra: deep })).toMatchObject({
      code: 'definition_too_large',
      message: expect.stringContaining('nested'),
    });
    // The same object reached a thousand times is counted once; a cycle ends.
    const shared = { a: 'x'.repeat(1000) };
    const cyclic: Record<string, unknown> = { refs: Array.from({ length: 1000 }, () => shared) };
    cyclic.self = cyclic;
    expect(checkDefinitionSize(cyclic)).toBeUndefined();
  });

  it('accepts the sample modules', () => {
    expect(checkDefinitionSize(crmModule)).toBeUndefined();
  });
});
