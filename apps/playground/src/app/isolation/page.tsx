import { MatrixClient } from './matrix-client';

export const dynamic = 'force-dynamic';

export default function IsolationPage() {
  return (
    <>
      <h1>Isolation</h1>
      <p className="lead">
        Every user, on every site, through every installed module's SDK: read, create, update and
        delete. An operation should be allowed only when the user belongs to the site's agency and
        the module is installed on the site. Writes are rolled back; each site with the module
        installed keeps one probe row so there is something to reach.
      </p>
      <MatrixClient />
    </>
  );
}
