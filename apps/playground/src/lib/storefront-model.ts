/**
 * The storefront's view model, pure (no database): why a site's visitors are admitted to a
 * module or not, which columns members see that visitors do not, which rows the module's own
 * policies hide from visitors, and prices shown exactly as PostgreSQL returned them.
 */

/** What the platform says about one module on the site. */
export interface ModuleOnSite {
  readonly key: string;
  readonly title: string;
  /** Provisioned and active in the registry. */
  readonly provisioned: boolean;
  /** Installed and active on this site. */
  readonly installed: boolean;
}

/** Whether a site's visitors reach a module's data, and the reason in words. */
export interface VisitorVerdict {
  readonly key: string;
  readonly admitted: boolean;
  readonly reason: string;
}

/**
 * The verdict for each module: visitors are admitted only when the site is public and the
 * module is installed there (what `dramac_visitor_can_access_current_site` checks); even then
 * they reach only what the module declares for visitors.
 *
 * @example
 * visitorVerdicts('Garage', false, [{ key: 'shop', title: 'Shop', provisioned: true, installed: true }]);
 * // [{ key: 'shop', admitted: false, reason: 'Garage is not public: ...' }]
 * @throws Never.
 */
export function visitorVerdicts(
  siteName: string,
  isPublic: boolean,
  modules: readonly ModuleOnSite[],
): VisitorVerdict[] {
  return modules.map((m) => {
    if (!m.provisioned) {
      return {
        key: m.key,
        admitted: false,
        reason: `${m.title} is not provisioned: install it on the Modules screen first`,
      };
    }
    if (!isPublic) {
      return {
        key: m.key,
        admitted: false,
        reason: `${siteName} is not public: the platform has not marked it (no row in dramac.public_sites), so dramac_visitor_can_access_current_site() is false and ${m.title}'s visitor policies admit nothing`,
      };
    }
    if (!m.installed) {
      return {
        key: m.key,
        admitted: false,
        reason: `${m.title} is not installed on ${siteName}: dramac_visitor_can_access_current_site() is false, so its visitor policies admit nothing`,
      };
    }
    return {
      key: m.key,
      admitted: true,
      reason: `${siteName} is public and ${m.title} is installed there: visitors reach what ${m.title} declares for them, and nothing else`,
    };
  });
}

/**
 * A table's columns split into those visitors read and those only members see.
 *
 * @example
 * splitColumns(['id', 'name', 'cost'], ['id', 'name']); // { shared: ['id', 'name'], membersOnly: ['cost'] }
 * @throws Never.
 */
export function splitColumns(
  all: readonly string[],
  visitorRead: readonly string[],
): { shared: string[]; membersOnly: string[] } {
  const read = new Set(visitorRead);
  return {
    shared: all.filter((c) => read.has(c)),
    membersOnly: all.filter((c) => !read.has(c)),
  };
}

/**
 * The ids of the member's rows that visitors do not get (a module policy hides them, e.g. drafts).
 *
 * @example
 * hiddenFromVisitors([{ id: 'a' }, { id: 'b' }], [{ id: 'a' }]); // Set { 'b' }
 * @throws Never.
 */
export function hiddenFromVisitors(
  memberRows: readonly Record<string, unknown>[],
  visitorRows: readonly Record<string, unknown>[],
): Set<string> {
  const seen = new Set(visitorRows.map((r) => String(r.id)));
  return new Set(memberRows.map((r) => String(r.id)).filter((id) => !seen.has(id)));
}

/**
 * A price as the page shows it: the exact decimal PostgreSQL returned (numeric arrives as a
 * string and never passes through a float), with its currency.
 *
 * @example
 * formatPrice('4.50', 'EUR'); // '4.50 EUR'
 * @throws Never.
 */
export function formatPrice(price: unknown, currency: unknown): string {
  if (price === null || price === undefined || price === '') return '';
  const amount = typeof price === 'string' ? price : String(price);
  return typeof currency === 'string' && currency !== '' ? `${amount} ${currency}` : amount;
}
