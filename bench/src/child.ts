/** Runs a worker script in a child Node process (tsx loader, source condition, --expose-gc). */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export async function runWorker(
  script: string,
  args: unknown,
  onMessage: (message: Record<string, unknown>) => void,
  /** Extra Node flags, e.g. `--max-semi-space-size=1`. */
  flags: readonly string[] = [],
): Promise<void> {
  const file = fileURLToPath(new URL(`./workers/${script}`, import.meta.url));
  const child = spawn(
    process.execPath,
    [
      ...flags,
      '--expose-gc',
      '--import',
      'tsx',
      '--conditions=@dramac/source',
      file,
      JSON.stringify(args),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: fileURLToPath(new URL('..', import.meta.url)) },
  );
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += String(chunk);
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.startsWith('{')) onMessage(JSON.parse(line));
      nl = buffer.indexOf('\n');
    }
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`worker ${script} exited with ${code}`);
}
