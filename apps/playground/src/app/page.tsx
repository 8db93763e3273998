import { SeedButton } from '../components/seed-button';
import { getDb } from '../lib/database';
import { hasDemoPlatform } from '../lib/demo-platform';
import { load } from '../lib/load';
import { readPlatform } from '../lib/platform';

export const dynamic = 'force-dynamic';

export default async function OverviewPage() {
  const result = await load(async () => ({
    platform: await readPlatform(),
    seeded: await hasDemoPlatform(getDb()),
  }));
  if ('failure' in result) {
    return <div className="message error">The database is not reachable: {result.failure}</div>;
  }
  const { platform, seeded } = result.data;
  const agencyName = (id: string) => platform.agencies.find((a) => a.id === id)?.name ?? id;
  return (
    <>
      <h1>Overview</h1>
      <p className="lead">
        Every module gets its own PostgreSQL namespace and role; every row belongs to a site and is
        reachable only by members of that site's agency, with the module installed there. PostgreSQL
        enforces both (grants and forced row-level security). Start on{' '}
        <a href="/modules">Modules</a>.
      </p>
      {!seeded ? (
        <div className="card">
          <h2>Demo platform</h2>
          <p className="muted">
            The demo agencies, sites and users are not in this database. Seeding adds them next to
            whatever is there (rows that exist are left alone).
          </p>
          <SeedButton />
        </div>
      ) : null}
      <div className="card">
        <h2>Sites</h2>
        <table className="grid">
          <thead>
            <tr>
              <th>Site</th>
              <th>Agency</th>
              <th>Id</th>
            </tr>
          </thead>
          <tbody>
            {platform.sites.map((s) => (
              <tr key={s.id}>
                <td>
                  <span className="badge info">{s.label}</span> {s.name}
                </td>
                <td>{s.agencyName}</td>
                <td className="mono">{s.id}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="card">
        <h2>Users</h2>
        <table className="grid">
          <thead>
            <tr>
              <th>User</th>
              <th>Email</th>
              <th>Member of</th>
            </tr>
          </thead>
          <tbody>
            {platform.users.map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td className="mono">{u.email}</td>
                <td>
                  {u.agencyIds.length === 0 ? (
                    <span className="muted">no agency</span>
                  ) : (
                    u.agencyIds.map(agencyName).join(', ')
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
