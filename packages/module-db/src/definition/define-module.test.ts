import { describe, expect, test } from 'vitest';
import { crmModule } from '../../test/fixtures/sample-modules';
import { defineModule } from './define-module';
import { ModuleDatabaseConfigSchema } from './module-database-config';

describe('defineModule', () => {
  test('returns the definition itself, deeply frozen', () => {
    const input = {
      moduleId: '0b7e3c52-4d1f-4a8e-9c6b-2f5a7d9e1c30',
      moduleType: 'app',
      version: '1.0.0',
      tables: [{ name: 'notes', columns: [{ name: 'body', type: 'text' }] }],
    } as const;
    const defined = defineModule(input);
    expect(defined).toBe(input);
    expect(Object.isFrozen(defined)).toBe(true);
    expect(Object.isFrozen(defined.tables[0]?.columns[0])).toBe(true);
    expect(() => {
      (defined.tables as unknown as unknown[]).push({});
    }).toThrow(TypeError);
  });

  test('sample definitions satisfy the schema shape', () => {
    expect(ModuleDatabaseConfigSchema.safeParse(crmModule).success).toBe(true);
  });
});
