import { load } from '../../lib/load';
import { readModuleStates } from '../../lib/module-state';
import { readStorefrontSites, STOREFRONT_MODULES } from '../../lib/storefront';

export const dynamic = 'force-dynamic';

export default async function StorefrontsPage() {
  const result = await load(async () => ({
    sites: await readStorefrontSites(),
    states: await readModuleStates(),
  }));
  if ('failure' in result) {
    return <div className="message error">The database is not reachable: {result.failure}</div>;
  }
  const { sites, states } = result.data;
  const storefrontModules = states.filter((s) =>
    (STOREFRONT_MODULES as readonly string[]).includes(s.module.key),
  );
  return (
    <>
      <h1>Storefronts</h1>
      <p className="lead">
        Each site's public page, as its visitors (no signed-in user) get it: the Shop's published
        products, the Booking request form and the Testimonials widget, beside what a member of the
        site's agency sees. Only a site the platform marks public (<code>setSitePublic</code>)
        admits visitors, and only to modules installed there.
      </p>
      <section className="card">
        <table className="grid" data-testid="storefront-sites">
          <thead>
            <tr>
              <th>Site</th>
              <th>Agency</th>
              <th>Public</th>
              <th>Storefront modules installed</th>
            </tr>
          </thead>
          <tbody>
            {sites.map(({ site, isPublic }) => {
              const installed = storefrontModules
                .filter((s) => s.sites.has(site.id))
                .map((s) => s.module.title);
              return (
                <tr key={site.id} data-testid={`storefront-site-${site.label}`}>
                  <td>
                    <a href={`/storefront/${site.id}`}>
                      {site.label}: {site.name}
                    </a>
                  </td>
                  <td>{site.agencyName}</td>
                  <td>
                    <span className={`badge ${isPublic ? 'ok' : ''}`}>
                      {isPublic ? 'public' : 'not public'}
                    </span>
                  </td>
                  <td>{installed.join(', ') || 'none'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </>
  );
}
