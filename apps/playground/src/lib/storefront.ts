import 'server-only';
import { isSitePublic, validateModuleDefinition } from '@dramac/module-db';
import { getModuleVisitorRoleName } from '@dramac/module-naming';
import { type ActionError, toActionError } from './action-result';
import { getDb } from './database';
import { provisionedDefinition, sdkFor } from './module-sdk-for';
import { readModuleStates } from './module-state';
import { type PlatformSite, type PlatformUser, readPlatform } from './platform';
import { type ModuleOnSite, type VisitorVerdict, visitorVerdicts } from './storefront-model';
import {
  memberWidgetClient,
  visitorClient,
  visitorColumns,
  type WidgetItem,
} from './visitor-access';

type AnyRecord = Record<string, unknown>;

/** A read that worked, or the typed error PostgreSQL's refusal became. */
export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ActionError };

async function settle<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error: toActionError(error) };
  }
}

/** The modules the storefront shows, by catalog key. */
export const STOREFRONT_MODULES = ['shop', 'booking', 'widget'] as const;

/** Everything the storefront page draws for one site: the visitor's view and the member's. */
export interface Storefront {
  readonly site: PlatformSite;
  readonly isPublic: boolean;
  readonly verdicts: readonly VisitorVerdict[];
  /** The visitor role of each provisioned module (`modvisitor_<id>`), by key. */
  readonly visitorRoles: Readonly<Record<string, string>>;
  readonly visitor: {
    readonly products: Outcome<AnyRecord[]> | null;
    readonly testimonials: Outcome<WidgetItem[]> | null;
  };
  /** The columns of each form visitors fill in (what the table or collection declares). */
  readonly forms: {
    readonly booking: readonly string[] | null;
    readonly testimonial: readonly string[] | null;
  };
  readonly productColumns: {
    readonly all: readonly string[];
    readonly visitorRead: readonly string[];
  };
  /** A member of the site's agency, for the member view (none: nobody belongs to it). */
  readonly member: PlatformUser | null;
  readonly memberView: {
    readonly products: Outcome<AnyRecord[]> | null;
    readonly requests: Outcome<AnyRecord[]> | null;
    readonly testimonials: Outcome<WidgetItem[]> | null;
    readonly submissions: Outcome<WidgetItem[]> | null;
  };
}

/** The sites the storefront index lists, each with whether it is public. */
export async function readStorefrontSites(): Promise<{ site: PlatformSite; isPublic: boolean }[]> {
  const platform = await readPlatform();
  return Promise.all(
    platform.sites.map(async (site) => ({ site, isPublic: await isSitePublic(getDb(), site.id) })),
  );
}

/** Loads the storefront of `siteId`: the visitor's reads and the member's, live. */
export async function readStorefront(siteId: string): Promise<Storefront | null> {
  const platform = await readPlatform();
  const site = platform.sites.find((s) => s.id === siteId);
  if (!site) return null;
  const [isPublic, states] = await Promise.all([isSitePublic(getDb(), siteId), readModuleStates()]);
  const modules: ModuleOnSite[] = STOREFRONT_MODULES.map((key) => {
    const state = states.find((s) => s.module.key === key);
    return {
      key,
      title: state?.module.title ?? key,
      provisioned: state?.entry?.status === 'active',
      installed: state?.sites.has(siteId) ?? false,
    };
  });
  const provisioned = (key: string) => modules.find((m) => m.key === key)?.provisioned === true;
  const visitorRoles: Record<string, string> = {};
  for (const s of states) {
    if (s.entry && (STOREFRONT_MODULES as readonly string[]).includes(s.module.key)) {
      visitorRoles[s.module.key] = getModuleVisitorRoleName(s.entry.shortId);
    }
  }
  const member = platform.users.find((u) => u.agencyIds.includes(site.agencyId)) ?? null;

  let productColumns: Storefront['productColumns'] = { all: [], visitorRead: [] };
  if (provisioned('shop')) {
    const validated = await validateModuleDefinition(await provisionedDefinition('shop'));
    const products = validated.tables.find((t) => t.name === 'products');
    productColumns = {
      all: products?.columns.map((c) => c.name) ?? [],
      visitorRead: products?.visitors?.read ?? [],
    };
  }

  // Visitors: every read runs, also where they are not admitted, so the page shows what
  // PostgreSQL answers (nothing) rather than what the platform expects.
  const [products, testimonials, booking, testimonial] = await Promise.all([
    provisioned('shop')
      ? settle(() => visitorClient('shop', siteId).find('products', { orderBy: 'name' }))
      : null,
    provisioned('widget')
      ? settle(() => visitorClient('widget', siteId).items('testimonials'))
      : null,
    provisioned('booking') ? visitorColumns('booking', 'requests').then((c) => c.insert) : null,
    provisioned('widget') ? visitorColumns('widget', 'submissions').then((c) => c.insert) : null,
  ]);

  const memberView: Storefront['memberView'] = member
    ? {
        products: provisioned('shop')
          ? await settle(async () =>
              (await sdkFor('shop', siteId, member.id)).sdk.find('products', {
                orderBy: { column: 'name' },
                limit: 100,
              }),
            )
          : null,
        requests: provisioned('booking')
          ? await settle(async () =>
              (await sdkFor('booking', siteId, member.id)).sdk.find('requests', {
                orderBy: { column: 'created_at', ascending: false },
                limit: 100,
              }),
            )
          : null,
        testimonials: provisioned('widget')
          ? await settle(() =>
              memberWidgetClient('widget', siteId, member.id).items('testimonials'),
            )
          : null,
        submissions: provisioned('widget')
          ? await settle(() => memberWidgetClient('widget', siteId, member.id).items('submissions'))
          : null,
      }
    : { products: null, requests: null, testimonials: null, submissions: null };

  return {
    site,
    isPublic,
    verdicts: visitorVerdicts(site.name, isPublic, modules),
    visitorRoles,
    visitor: { products, testimonials },
    forms: { booking, testimonial },
    productColumns,
    member,
    memberView,
  };
}
