import { crmModule, crmModuleV2 } from '@dramac/example-crm-module';
import type { ModuleDefinitionLike } from '@dramac/module-sdk';
import {
  bookingModule,
  bookingModuleV2,
  faqWidgetModule,
  shopModule,
  shopModuleV2,
  widgetModule,
} from './sample-modules';

/** A module definition with the version every `defineModule` result carries. */
export type CatalogDefinition = ModuleDefinitionLike & { readonly version: string };

/** A module the playground can install, with the newer version it can upgrade to. */
export interface CatalogModule {
  /** Short key used in forms and URLs. */
  readonly key: string;
  readonly title: string;
  readonly summary: string;
  readonly definition: CatalogDefinition;
  /** A later version of the same module (an upgrade the Modules screen offers). */
  readonly upgrade?: CatalogDefinition;
  /** Probe row for the isolation matrix: a table and a record valid for it. */
  readonly probe?: {
    readonly table: string;
    /** A valid record; `label` names what wrote it (the matrix's probe, the batch demo). */
    readonly record: (label?: string) => Record<string, unknown>;
    readonly change: Record<string, unknown>;
    /** A record PostgreSQL refuses (a check or unique constraint), for the batch demo. */
    readonly bad: (first: Record<string, unknown>) => Record<string, unknown>;
    /** Why PostgreSQL refuses it. */
    readonly badReason: string;
  };
  /**
   * A record a site's visitors may insert, by table (or widget collection) that declares
   * `visitors.insert`: the visitor rows of the matrix and the storefront's forms.
   */
  readonly visitorInsert?: Readonly<Record<string, (label?: string) => Record<string, unknown>>>;
  /** A widget's probe: an item a member writes into one of its collections. */
  readonly widgetProbe?: {
    readonly collection: string;
    readonly item: (label?: string) => Record<string, unknown>;
  };
}

const tag = () => Math.random().toString(36).slice(2, 8);

export const MODULE_CATALOG: readonly CatalogModule[] = [
  {
    key: 'crm',
    title: 'CRM',
    summary: 'contacts, companies, deals, activities; a system module in its own schema',
    definition: crmModule as CatalogDefinition,
    upgrade: crmModuleV2 as CatalogDefinition,
    probe: {
      table: 'contacts',
      record: (label = 'Probe') => ({ first_name: label, last_name: `Row ${tag()}` }),
      change: { lead_score: 7 },
      bad: () => ({ first_name: 'Over', last_name: 'Score', lead_score: 150 }),
      badReason: 'lead_score 150 breaks the check lead_score between 0 and 100',
    },
  },
  {
    key: 'booking',
    title: 'Booking',
    summary: 'appointments, calendars, resources, availability; an app module, prefixed tables',
    definition: bookingModule as CatalogDefinition,
    upgrade: bookingModuleV2 as CatalogDefinition,
    probe: {
      table: 'calendars',
      record: (label = 'Probe') => ({ name: `${label} ${tag()}` }),
      change: { timezone: 'Europe/Paris' },
      bad: () => ({ name: 'No zone', timezone: '' }),
      badReason: "an empty timezone breaks the check timezone <> ''",
    },
    visitorInsert: {
      requests: (label = 'Visitor') => ({
        customer_name: label,
        customer_email: `${label.toLowerCase().replace(/[^a-z0-9]+/g, '.')}-${tag()}@example.test`,
        preferred_date: '2030-01-15',
        message: 'A table for two, please',
      }),
    },
  },
  {
    key: 'shop',
    title: 'Shop',
    summary: 'products, orders, cart items, customers; an integration module, prefixed tables',
    definition: shopModule as CatalogDefinition,
    upgrade: shopModuleV2 as CatalogDefinition,
    probe: {
      table: 'customers',
      record: (label = 'Probe') => ({
        email: `${label.toLowerCase()}-${tag()}@example.test`,
        full_name: label,
      }),
      change: { phone: '555-0100' },
      bad: (first) => ({ email: first.email, full_name: 'Duplicate' }),
      badReason: 'the same email again breaks the unique key (site_id, email)',
    },
  },
  {
    key: 'widget',
    title: 'Testimonials widget',
    summary:
      'a widget: typed items in the shared module_data table (testimonials, submissions), no tables of its own',
    definition: widgetModule as CatalogDefinition,
    visitorInsert: {
      submissions: (label = 'Visitor') => ({
        author: label,
        quote: 'Lovely bread, friendly people.',
        rating: 5,
      }),
    },
    widgetProbe: {
      collection: 'testimonials',
      item: (label = 'Probe') => ({ author: `${label} ${tag()}`, quote: 'Probe item', rating: 4 }),
    },
  },
  {
    key: 'faq',
    title: 'FAQ widget',
    summary: 'a second widget in module_data: its items are out of the testimonials widget’s reach',
    definition: faqWidgetModule as CatalogDefinition,
    widgetProbe: {
      collection: 'questions',
      item: (label = 'Probe') => ({ question: `${label} ${tag()}?`, answer: 'Probe answer' }),
    },
  },
];

/** The catalog entry for `key`, or a readable error. */
export function catalogModule(key: string): CatalogModule {
  const found = MODULE_CATALOG.find((m) => m.key === key);
  if (!found) throw new Error(`unknown module "${String(key).slice(0, 40)}"`);
  return found;
}

/** The catalog entry whose module id is `moduleId`. */
export function catalogModuleById(moduleId: string): CatalogModule | undefined {
  return MODULE_CATALOG.find((m) => m.definition.moduleId === moduleId);
}

/** The definition matching the version the registry says is installed. */
export function installedDefinition(entry: CatalogModule, version: string): CatalogDefinition {
  return entry.upgrade && entry.upgrade.version === version ? entry.upgrade : entry.definition;
}
