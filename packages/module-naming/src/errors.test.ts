import { describe, expect, it } from 'vitest';
import { isModuleNamingError, ModuleNamingError } from './errors';

describe('ModuleNamingError', () => {
  it('carries name, code, value, path and cause', () => {
    const cause = new Error('root');
    const e = new ModuleNamingError('RESERVED_WORD', 'bad', {
      value: 'user',
      path: 'tables[0].name',
      cause,
    });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ModuleNamingError');
    expect(e.code).toBe('RESERVED_WORD');
    expect(e.message).toBe('bad');
    expect(e.value).toBe('user');
    expect(e.path).toBe('tables[0].name');
    expect(e.cause).toBe(cause);
  });

  it('lets callers set the path afterwards', () => {
    const e = new ModuleNamingError('INVALID_IDENTIFIER', 'bad', { value: 'X' });
    expect(e.path).toBeUndefined();
    e.path = 'tables[2].name';
    expect(e.toJSON().path).toBe('tables[2].name');
  });

  it('truncates long values for display', () => {
    const e = new ModuleNamingError('INVALID_MODULE_ID', 'bad', { value: 'x'.repeat(1000) });
    expect(e.value).toBe(`${'x'.repeat(100)}…`);
  });

  it('describes non-string values without throwing', () => {
    expect(new ModuleNamingError('INVALID_MODULE_ID', 'bad', { value: 42 }).value).toBe(
      '<number> 42',
    );
    expect(
      new ModuleNamingError('INVALID_MODULE_ID', 'bad', { value: Object.create(null) }).value,
    ).toBe('<object>');
  });

  it('serialises to JSON without the cause', () => {
    const e = new ModuleNamingError('IDENTIFIER_TOO_LONG', 'too long', { value: 'x', cause: 1 });
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      name: 'ModuleNamingError',
      code: 'IDENTIFIER_TOO_LONG',
      message: 'too long',
      value: 'x',
    });
  });
});

describe('isModuleNamingError', () => {
  it('recognises instances', () => {
    expect(isModuleNamingError(new ModuleNamingError('INVALID_SHORT_ID', 'bad'))).toBe(true);
  });

  it('recognises errors from another copy of the package by their brand', () => {
    const foreign = Object.assign(new Error('bad'), {
      name: 'ModuleNamingError',
      code: 'INVALID_SHORT_ID',
      [Symbol.for('dramac.module-naming.error')]: true,
    });
    expect(foreign).not.toBeInstanceOf(ModuleNamingError);
    expect(isModuleNamingError(foreign)).toBe(true);
  });

  it('rejects everything else', () => {
    for (const value of [
      new Error('x'),
      { name: 'ModuleNamingError', code: 'X' },
      null,
      undefined,
      'e',
      1,
    ]) {
      expect(isModuleNamingError(value)).toBe(false);
    }
  });
});
