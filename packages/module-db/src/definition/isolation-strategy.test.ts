import { describe, expect, test } from 'vitest';
import { defaultStrategyFor, resolveStrategy } from './isolation-strategy';

describe('defaultStrategyFor', () => {
  test.each([
    ['widget', 'shared'],
    ['app', 'prefix'],
    ['integration', 'prefix'],
    ['system', 'schema'],
    ['custom', 'schema'],
  ] as const)('%s → %s', (moduleType, strategy) => {
    expect(defaultStrategyFor(moduleType)).toBe(strategy);
  });

  test('an unknown module type throws', () => {
    expect(() => defaultStrategyFor('plugin' as never)).toThrow(TypeError);
    expect(() => defaultStrategyFor('toString' as never)).toThrow(TypeError);
  });
});

describe('resolveStrategy', () => {
  test('uses the default of the module type without an override', () => {
    expect(resolveStrategy({ moduleType: 'app' })).toBe('prefix');
    expect(resolveStrategy({ moduleType: 'system', strategy: undefined })).toBe('schema');
  });

  test('an explicit strategy wins', () => {
    expect(resolveStrategy({ moduleType: 'app', strategy: 'schema' })).toBe('schema');
    expect(resolveStrategy({ moduleType: 'system', strategy: 'prefix' })).toBe('prefix');
    expect(resolveStrategy({ moduleType: 'widget', strategy: 'prefix' })).toBe('prefix');
  });
});
