import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkConstraintName,
  foreignKeyName,
  indexName,
  policyName,
  primaryKeyName,
  siteIndexName,
  triggerName,
  uniqueConstraintName,
} from './derived-names';
import { expectNamingError } from './test-utils';

describe('derived names', () => {
  it('build conventional names', () => {
    expect(indexName('contacts', ['site_id', 'created_at'])).toBe(
      'idx_contacts_site_id_created_at',
    );
    expect(indexName('contacts', ['email'], { unique: true })).toBe('uq_contacts_email');
    expect(uniqueConstraintName('contacts', ['site_id', 'email'])).toBe(
      'uq_contacts_site_id_email',
    );
    expect(primaryKeyName('contacts')).toBe('pk_contacts');
    expect(foreignKeyName('contacts', 'site_id')).toBe('fk_contacts_site_id');
    expect(foreignKeyName('deals', ['site_id', 'contact_id'])).toBe('fk_deals_site_id_contact_id');
    expect(checkConstraintName('deals', 'amount')).toBe('ck_deals_amount');
    expect(triggerName('contacts', 'set_updated_at')).toBe('trg_contacts_set_updated_at');
    expect(policyName('contacts', 'owner_only')).toBe('pol_contacts_owner_only');
    expect(siteIndexName('contacts')).toBe('site_idx_contacts');
  });

  it("keep the platform's site index apart from a module's own index on site_id", () => {
    expect(siteIndexName('contacts')).not.toBe(indexName('contacts', ['site_id']));
  });

  it('accept physical, prefixed table names', () => {
    expect(indexName('mod_a1b2c3d4_contacts', ['site_id'])).toBe(
      'idx_mod_a1b2c3d4_contacts_site_id',
    );
  });

  it('stay within 63 bytes for long inputs', () => {
    const table = `mod_a1b2c3d4_${'t'.repeat(50)}`;
    const column = 'c'.repeat(63);
    const names = [
      indexName(table, [column, column]),
      indexName(table, [column], { unique: true }),
      primaryKeyName(table),
      foreignKeyName(table, column),
      checkConstraintName(table, column),
      triggerName(table, column),
      policyName(table, column),
      siteIndexName(table),
    ];
    for (const name of names) {
      expect(name).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(name).toHaveLength(63);
    }
    expect(new Set(names).size).toBe(names.length);
    // Deliberately equal: a unique constraint is a unique index of the same name.
    expect(uniqueConstraintName(table, [column])).toBe(
      indexName(table, [column], { unique: true }),
    );
  });

  it('reject invalid names and empty column lists', () => {
    expectNamingError(() => indexName('contacts', []), 'INVALID_IDENTIFIER');
    expectNamingError(() => uniqueConstraintName('contacts', []), 'INVALID_IDENTIFIER');
    expectNamingError(() => foreignKeyName('contacts', []), 'INVALID_IDENTIFIER');
    expectNamingError(() => indexName('Contacts', ['site_id']), 'INVALID_IDENTIFIER');
    expectNamingError(() => primaryKeyName("x'; drop table"), 'INVALID_IDENTIFIER');
    expectNamingError(() => policyName('contacts', 'Owner Only'), 'INVALID_IDENTIFIER');
    expectNamingError(() => triggerName('contacts', ''), 'INVALID_IDENTIFIER');
    expectNamingError(() => checkConstraintName('contacts', 'é'), 'INVALID_IDENTIFIER');
    expectNamingError(() => siteIndexName(''), 'INVALID_IDENTIFIER');
  });

  it('always give valid identifiers of at most 63 bytes', () => {
    const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,80}$/);
    fc.assert(
      fc.property(
        name,
        fc.array(name, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (table, columns, unique) => {
          for (const result of [
            indexName(table, columns, { unique }),
            foreignKeyName(table, columns),
            policyName(table, columns[0] as string),
            siteIndexName(table),
          ]) {
            expect(result).toMatch(/^[a-z_][a-z0-9_]*$/);
            expect(result.length).toBeLessThanOrEqual(63);
          }
        },
      ),
    );
  });
});
