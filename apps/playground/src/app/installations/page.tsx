import { MembershipDiagram } from '../../components/membership-diagram';
import { load } from '../../lib/load';
import { readModuleStates } from '../../lib/module-state';
import { readPlatform } from '../../lib/platform';
import { readUsage } from '../../lib/usage';
import { type GridModule, InstallationsGrid } from './installations-grid';

export const dynamic = 'force-dynamic';

export default async function InstallationsPage() {
  const result = await load(async () => {
    const [states, platform, usage] = await Promise.all([
      readModuleStates(),
      readPlatform(),
      readUsage(),
    ]);
    const modules: GridModule[] = states.map(({ module, entry, sites, suspended }) => ({
      key: module.key,
      title: module.title,
      status: entry ? entry.status : 'not provisioned',
      version: entry?.version ?? null,
      active: [...sites],
      suspended: [...suspended],
    }));
    const rows: Record<string, Record<string, number>> = {};
    for (const s of usage.sites) rows[s.siteId] = { ...s.rows };
    return { modules, platform, rows };
  });
  if ('failure' in result) {
    return <div className="message error">The database is not reachable: {result.failure}</div>;
  }
  const { modules, platform, rows } = result.data;
  const installedOn = (siteId: string) =>
    modules.filter((m) => m.active.includes(siteId)).map((m) => m.title);
  return (
    <>
      <h1>Installations</h1>
      <p className="lead">
        A provisioned module is reachable on a site only where it is installed, and only by members
        of the agency that owns the site. Install or uninstall from a cell; uninstalling exports the
        site's rows as JSON and deletes them in the same transaction.
      </p>
      <div className="split wide-left">
        <section className="card" data-testid="installations">
          <h2>Sites x modules</h2>
          <InstallationsGrid modules={modules} sites={platform.sites} rowCounts={rows} />
        </section>
        <section className="card">
          <h2>Who can reach which site</h2>
          <MembershipDiagram platform={platform} siteModules={installedOn} />
        </section>
      </div>
    </>
  );
}
