// The example module tested the way its author would: with @dramac/module-testing, which gives a
// disposable migrated database with two demo sites, provisions the module there, and hands out
// the SDK as a member of each site; then exercised only through the SDK.
import { randomUUID } from 'node:crypto';
import { validateModuleDefinition } from '@dramac/module-db';
import { isModuleDbError, type ModuleDefinitionLike } from '@dramac/module-sdk';
import { createTestPlatform, type TestPlatform } from '@dramac/module-testing';
import { afterAll, beforeAll, describe, expect, expectTypeOf, inject, it } from 'vitest';
import {
  addNote,
  type Contact,
  createContactWithCompany,
  crmModule,
  crmModuleV2,
  dealPipeline,
  listHotLeads,
  qualifyLead,
} from '../src/index';

// This repository's test run provides its PostgreSQL server (17, and 15 in the (pg15) project);
// an author passes nothing and gets DATABASE_URL or an embedded PostgreSQL.
declare module 'vitest' {
  interface ProvidedContext {
    dramacPostgres: { readonly adminUrl: string };
  }
}

// Roles are cluster-wide: this file installs the module under its own id so it never meets the
// playground's or another test file's copy.
const moduleId = randomUUID();
const v1 = { ...crmModule, moduleId };
const v2 = { ...crmModuleV2, moduleId };

let platform: TestPlatform;
let site: string;

/** The SDK as the member of site A (Alice); site B belongs to another agency (Bob's). */
function sdkFor<M extends ModuleDefinitionLike>(definition: M) {
  return platform.memberOfSiteA(definition);
}

beforeAll(async () => {
  platform = await createTestPlatform({
    modules: [v1],
    databaseUrl: inject('dramacPostgres').adminUrl,
  });
  site = platform.sites.a.id;
});
afterAll(() => platform?.close());

describe('the CRM definitions', () => {
  it('both versions validate', async () => {
    await expect(validateModuleDefinition(crmModule)).resolves.toMatchObject({ version: '1.0.0' });
    await expect(validateModuleDefinition(crmModuleV2)).resolves.toMatchObject({
      version: '1.1.0',
    });
  });

  it('types rows from the definition', () => {
    expectTypeOf<Contact['lead_score']>().toEqualTypeOf<number>();
    expectTypeOf<Contact['email']>().toEqualTypeOf<string | null>();
  });
});

describe('queries', () => {
  it('createContactWithCompany reuses a company by domain, atomically', async () => {
    const sdk = sdkFor(v1);
    const first = await createContactWithCompany(sdk, {
      company: { name: 'Acme', domain: 'acme.test' },
      contact: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@acme.test', lead_score: 90 },
    });
    expect(first.companyCreated).toBe(true);
    expect(first.contact).toMatchObject({ company_id: first.company.id, site_id: site });

    const second = await createContactWithCompany(sdk, {
      company: { name: 'Acme Inc.', domain: 'acme.test' },
      contact: { first_name: 'Alan', last_name: 'Turing', lead_score: 75 },
    });
    expect(second.companyCreated).toBe(false);
    expect(second.company.id).toBe(first.company.id);

    // A taken email fails the contact, and the new company goes with it.
    const failed = await createContactWithCompany(sdk, {
      company: { name: 'Globex', domain: 'globex.test' },
      contact: { first_name: 'Ada', last_name: 'Again', email: 'ada@acme.test' },
    }).catch((e: unknown) => e);
    expect(isModuleDbError(failed) && failed.code).toBe('CONFLICT');
    expect(await sdk.exists('companies', { domain: 'globex.test' })).toBe(false);
  });

  it('listHotLeads returns open leads above the threshold, best first', async () => {
    const sdk = sdkFor(v1);
    await sdk.create('contacts', [
      { first_name: 'Cold', last_name: 'Lead', lead_score: 10 },
      { first_name: 'Grace', last_name: 'Hopper', lead_score: 95, status: 'customer' },
    ]);
    const leads = await listHotLeads(sdk);
    expect(leads.map((l) => l.first_name)).toEqual(['Ada', 'Alan']);
    expect(await listHotLeads(sdk, { minScore: 80 })).toHaveLength(1);
    // The other site sees none of them: the site policy filters every read.
    expect(await listHotLeads(platform.memberOfSiteB(v1))).toEqual([]);
  });

  it('qualifyLead moves the lead on and opens a deal; dealPipeline counts by stage', async () => {
    const sdk = sdkFor(v1);
    const [ada] = await sdk.find('contacts', { where: { email: 'ada@acme.test' } });
    const deal = await qualifyLead(sdk, ada?.id as string, {
      title: 'Analytical engine',
      amount: 5000,
    });
    expect(deal).toMatchObject({ stage: 'new', contact_id: ada?.id, company_id: ada?.company_id });
    expect((await sdk.findById('contacts', ada?.id as string))?.status).toBe('qualified');
    expect(await dealPipeline(sdk)).toEqual({ new: 1, qualified: 0, proposal: 0, won: 0, lost: 0 });

    const missing = await qualifyLead(sdk, randomUUID(), { title: 'Nobody' }).catch((e) => e);
    expect(isModuleDbError(missing) && missing.code).toBe('NOT_FOUND');
    expect(await sdk.count('deals')).toBe(1);
  });

  it('closed deals are final: the restrictive UPDATE policy skips them silently', async () => {
    const sdk = sdkFor(v1);
    const [deal] = await sdk.update('deals', { title: 'Analytical engine' }, { stage: 'won' });
    expect(deal?.stage).toBe('won');
    expect(await sdk.updateById('deals', deal?.id as string, { stage: 'lost' })).toBeNull();
    expect((await sdk.findById('deals', deal?.id as string))?.stage).toBe('won');
  });
});

describe('upgrade to 1.1.0', () => {
  it('is additive: it applies without a migration step and keeps the data', async () => {
    const result = await platform.provision(v2);
    expect(result).toMatchObject({ status: 'upgraded', version: '1.1.0' });
    expect((await platform.provision(v2)).status).toBe('unchanged');

    const sdk = sdkFor(v2);
    const [ada] = await sdk.find('contacts', { where: { email: 'ada@acme.test' } });
    expect(ada).toMatchObject({ first_name: 'Ada', source: 'manual', linkedin_url: null });
    const note = await addNote(sdk, ada?.id as string, 'Prefers email.');
    expect(note).toMatchObject({ contact_id: ada?.id, site_id: site });
    // The 1.0.0 queries keep working against the upgraded module.
    expect((await listHotLeads(sdkFor(v1))).map((l) => l.first_name)).toEqual(['Alan']);
  });
});
