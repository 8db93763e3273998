import { MatrixClient } from './matrix-client';

export const dynamic = 'force-dynamic';

export default function IsolationPage() {
  return (
    <>
      <h1>Isolation</h1>
      <p className="lead">
        Both isolation axes, live against PostgreSQL. The site axis: every user on every site,
        through every installed module's SDK. The module axis: each module's roles against every
        module's tables, whatever SQL they send. Writes are rolled back; each site with a module
        installed keeps one probe row so there is something to reach. Click a cell to see which
        grant or which policy decided it.
      </p>
      <MatrixClient />
    </>
  );
}
