// The module's data access, written only against @dramac/module-sdk: each function takes the SDK
// the platform hands the module (already bound to one site and user) and is typed from the
// module's definition, so a renamed column is a compile error here, not a runtime surprise.
import {
  type Insert,
  type ModuleDatabaseSDK,
  NotFoundError,
  QueryValidationError,
  type Row,
} from '@dramac/module-sdk';
import type { CrmModule, CrmModuleV2 } from './crm-module';

/** The SDK of the CRM module (1.0.0 and later: every later version is a superset). */
export type CrmDatabase = ModuleDatabaseSDK<CrmModule>;
/** A contact row. */
export type Contact = Row<CrmModule, 'contacts'>;
/** A company row. */
export type Company = Row<CrmModule, 'companies'>;
/** A deal row. */
export type Deal = Row<CrmModule, 'deals'>;

/** Options of {@link listHotLeads}. */
export interface HotLeadOptions {
  /** The lowest lead score that counts as hot (default 70). */
  readonly minScore?: number;
  /** At most this many leads (default 20). */
  readonly limit?: number;
}

/**
 * The site's hottest open leads: contacts with status `lead` and a score of at least `minScore`,
 * best first (newest first among equal scores).
 *
 * @example
 * ```ts
 * const leads = await listHotLeads(sdk, { minScore: 80, limit: 5 });
 * ```
 *
 * @throws QueryValidationError (`INVALID_QUERY`) for a `minScore`/`limit` out of range; the SDK's
 * database errors otherwise.
 */
export async function listHotLeads(
  sdk: CrmDatabase,
  options: HotLeadOptions = {},
): Promise<Pick<Contact, 'id' | 'first_name' | 'last_name' | 'email' | 'lead_score'>[]> {
  return sdk.find('contacts', {
    where: { status: 'lead', lead_score: { gte: options.minScore ?? 70 } },
    select: ['id', 'first_name', 'last_name', 'email', 'lead_score'],
    orderBy: [
      { column: 'lead_score', ascending: false },
      { column: 'created_at', ascending: false },
    ],
    limit: options.limit ?? 20,
  });
}

/** Input of {@link createContactWithCompany}. */
export interface NewContactWithCompany {
  /** The company: reused when one with the same `domain` exists on the site, else created. */
  readonly company: Insert<CrmModule, 'companies'>;
  /** The contact; its `company_id` is filled in. */
  readonly contact: Omit<Insert<CrmModule, 'contacts'>, 'company_id'>;
}

/**
 * Creates a contact and its company in one transaction: the company is looked up by `domain` and
 * reused when the site already has it. Either both rows are written or neither is.
 *
 * Needs a transport with transactions (the Postgres transport on a server); on Supabase the SDK
 * refuses with `NOT_SUPPORTED` before writing anything.
 *
 * @example
 * ```ts
 * const { contact, company } = await createContactWithCompany(sdk, {
 *   company: { name: 'Acme', domain: 'acme.test' },
 *   contact: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@acme.test' },
 * });
 * ```
 *
 * @throws ConflictError (`CONFLICT`) when the contact's email is taken (the company is not kept
 * either); NotSupportedError without transactions; QueryValidationError for bad values.
 */
export async function createContactWithCompany(
  sdk: CrmDatabase,
  input: NewContactWithCompany,
): Promise<{ contact: Contact; company: Company; companyCreated: boolean }> {
  return sdk.transaction(async (tx) => {
    const domain = input.company.domain;
    const existing =
      domain === undefined || domain === null ? null : await tx.findOne('companies', { domain });
    const company = existing ?? (await tx.createOne('companies', input.company));
    const contact = await tx.createOne('contacts', { ...input.contact, company_id: company.id });
    return { contact, company, companyCreated: existing === null };
  });
}

/**
 * Moves a lead to `qualified` and opens a deal for it, atomically (one transaction).
 *
 * @example
 * ```ts
 * const deal = await qualifyLead(sdk, contact.id, { title: 'Website redesign', amount: 12000 });
 * ```
 *
 * @throws NotFoundError (`NOT_FOUND`) when the contact does not exist on this site;
 * NotSupportedError on a transport without transactions; the SDK's database errors otherwise.
 */
export async function qualifyLead(
  sdk: CrmDatabase,
  contactId: string,
  deal: { title: string; amount?: number },
): Promise<Deal> {
  return sdk.transaction(async (tx) => {
    const contact = await tx.updateById('contacts', contactId, { status: 'qualified' });
    if (!contact) throw new NotFoundError(`contact ${contactId} not found on this site`);
    return tx.createOne('deals', {
      title: deal.title,
      amount: deal.amount ?? 0,
      contact_id: contact.id,
      company_id: contact.company_id,
    });
  });
}

/**
 * The pipeline: how many open deals each stage holds (`count(*)` per stage, never a fetch).
 *
 * @example
 * ```ts
 * const { new: fresh, proposal } = await dealPipeline(sdk);
 * ```
 *
 * @throws The SDK's database errors.
 */
export async function dealPipeline(
  sdk: CrmDatabase,
): Promise<Record<'new' | 'qualified' | 'proposal' | 'won' | 'lost', number>> {
  const stages = ['new', 'qualified', 'proposal', 'won', 'lost'] as const;
  const counts = await Promise.all(stages.map((stage) => sdk.count('deals', { stage })));
  return Object.fromEntries(stages.map((stage, i) => [stage, counts[i] ?? 0])) as Record<
    (typeof stages)[number],
    number
  >;
}

/**
 * Adds a note to a contact: the `notes` table arrived in 1.1.0, so this takes the 1.1.0 SDK.
 *
 * @example
 * ```ts
 * await addNote(sdkV2, contact.id, 'Prefers email.');
 * ```
 *
 * @throws ConstraintViolationError (`CONSTRAINT_VIOLATION`) when the contact does not exist;
 * QueryValidationError for an empty body.
 */
export async function addNote(
  sdk: ModuleDatabaseSDK<CrmModuleV2>,
  contactId: string,
  body: string,
): Promise<Row<CrmModuleV2, 'notes'>> {
  if (body.trim() === '') throw new QueryValidationError('a note needs a body', 'body');
  return sdk.createOne('notes', { contact_id: contactId, body });
}
