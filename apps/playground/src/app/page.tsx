import { BarChart, bytes, rowsText, SERIES_COLORS } from '../components/bar-chart';
import { MembershipDiagram } from '../components/membership-diagram';
import { SeedButton } from '../components/seed-button';
import { getDb } from '../lib/database';
import { hasDemoPlatform } from '../lib/demo-platform';
import { load } from '../lib/load';
import { readPlatform } from '../lib/platform';
import { readUsage } from '../lib/usage';

export const dynamic = 'force-dynamic';

const callsText = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'call' : 'calls'}`;

const SCREENS = [
  [
    '/modules',
    'Modules',
    'entity diagrams, install and upgrade plans (summary, locks, diff, SQL), retention',
  ],
  [
    '/installations',
    'Installations',
    'sites x modules, install and uninstall per site, who reaches which site',
  ],
  [
    '/data',
    'Data',
    'the SDK: rows, compound filters, keyset pages, batch and transactions, the admin client',
  ],
  [
    '/isolation',
    'Isolation',
    'both axes live, each cell explained by the grant or policy that decided it',
  ],
  ['/registry', 'Registry', 'what each module owns, and a timeline of every change'],
  ['/health', 'Health', 'lint, drift and orphans, and a way to make drift happen'],
] as const;

export default async function OverviewPage() {
  const result = await load(async () => ({
    platform: await readPlatform(),
    seeded: await hasDemoPlatform(getDb()),
    usage: await readUsage(),
  }));
  if ('failure' in result) {
    return <div className="message error">The database is not reachable: {result.failure}</div>;
  }
  const { platform, seeded, usage } = result.data;
  const series = usage.modules.map((m, i) => ({
    key: m.key,
    label: m.title,
    color: SERIES_COLORS[i % SERIES_COLORS.length] as string,
  }));
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
      <div className="split">
        <section className="card">
          <h2>Agencies, sites and users</h2>
          <MembershipDiagram platform={platform} />
        </section>
        <section className="card" data-testid="usage">
          <h2>Usage at a glance</h2>
          {usage.modules.length === 0 ? (
            <p className="muted">No module is provisioned yet: nothing to count.</p>
          ) : (
            <>
              <BarChart
                title="Rows per module (all sites)"
                series={[{ key: 'rows', label: 'rows', color: '#2f5fd0' }]}
                rows={usage.modules.map((m) => ({ label: m.title, values: { rows: m.rows } }))}
                format={rowsText}
                testId="chart-module-rows"
              />
              <BarChart
                title="Storage per module (tables, indexes, TOAST)"
                series={[{ key: 'bytes', label: 'bytes', color: '#1f7a44' }]}
                rows={usage.modules.map((m) => ({ label: m.title, values: { bytes: m.bytes } }))}
                format={bytes}
                testId="chart-module-bytes"
              />
              <BarChart
                title="Data calls per module, last 24 hours (failed in orange)"
                series={[
                  { key: 'ok', label: 'succeeded', color: '#2f5fd0' },
                  { key: 'errors', label: 'failed', color: '#c2410c' },
                ]}
                rows={usage.modules.map((m) => ({
                  label: m.title,
                  values: { ok: m.calls - m.errors, errors: m.errors },
                }))}
                format={callsText}
                testId="chart-module-calls"
              />
              <BarChart
                title="Rows per site, by module"
                series={series}
                rows={usage.sites.map((s) => ({ label: `${s.label}: ${s.name}`, values: s.rows }))}
                format={rowsText}
                testId="chart-site-rows"
              />
              <BarChart
                title="Row data per site, by module (no indexes)"
                series={series}
                rows={usage.sites.map((s) => ({ label: `${s.label}: ${s.name}`, values: s.bytes }))}
                format={bytes}
                testId="chart-site-bytes"
              />
              <BarChart
                title="Data calls per site, by module, last 24 hours"
                series={series}
                rows={usage.sites.map((s) => ({ label: `${s.label}: ${s.name}`, values: s.calls }))}
                format={callsText}
                testId="chart-site-calls"
              />
              <p className="field-note">
                From <code>getUsage</code>: rows and bytes are the counters PostgreSQL keeps per
                (module, site, table) as rows are written (the quota triggers that enforce the row
                and storage limits); calls and errors are what the playground's metered transport (
                <code>withQuotas</code> with a usage meter) recorded; storage per module is the
                tables&apos; space on disk.
              </p>
            </>
          )}
        </section>
      </div>
      <section className="card">
        <h2>Screens</h2>
        <table className="grid">
          <tbody>
            {SCREENS.map(([href, title, what]) => (
              <tr key={href}>
                <td style={{ width: 140 }}>
                  <a href={href}>{title}</a>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
