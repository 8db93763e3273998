'use server';

import { type ActionResult, attempt } from '../../lib/action-result';
import { getDb } from '../../lib/database';
import { seedDemoPlatform } from '../../lib/demo-platform';

/** Seeds the demo platform (the button on the Overview screen). */
export async function seedDemoAction(): Promise<ActionResult<string>> {
  return attempt(async () => {
    await seedDemoPlatform(getDb());
    return 'The demo platform is in place: 2 agencies, 3 sites, 4 users.';
  });
}
