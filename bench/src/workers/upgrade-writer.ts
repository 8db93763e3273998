/**
 * Child process of the upgrade case: inserts one row at a time through the SDK until the parent
 * creates the stop file, reporting each write's start and end (`nowMs`, the machine's monotonic
 * clock, which the parent reads too). In its own process, so that the parent's garbage
 * collections (its heap holds the earlier cases' results) never show up as a blocked write.
 */
import { existsSync } from 'node:fs';
import { createPostgresTransport } from '@dramac/module-db/postgres';
import { createDatabaseSDK } from '@dramac/module-sdk';
import { connect } from '@dramac/test-db';
import { bigModule } from '../modules';
import { nowMs } from '../stats';
import { args, report } from './worker-io';

const { url, moduleId, siteId, userId, stopFile } = args<{
  url: string;
  moduleId: string;
  siteId: string;
  userId: string;
  stopFile: string;
}>();
const db = connect(url, 2);
const writer = createDatabaseSDK({
  definition: bigModule(moduleId),
  siteId,
  userId,
  transport: createPostgresTransport(db),
});
report({ kind: 'ready' });
let i = 0;
let batch: [number, number][] = [];
while (!existsSync(stopFile)) {
  const start = nowMs();
  await writer.createOne('items', { title: `concurrent ${i++}` });
  batch.push([start, nowMs()]);
  if (batch.length >= 50) {
    report({ kind: 'writes', writes: batch });
    batch = [];
  }
}
report({ kind: 'writes', writes: batch });
await db.destroy();
