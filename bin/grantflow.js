#!/usr/bin/env node
// Entry point of the `grantflow` command: runs the bundled CLI from dist/cli-bundle/ (built by
// `npm run build`: see scripts/bundle-cli.ts).
import { existsSync } from 'node:fs';
import module from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `grantflow needs Node.js 22.12 or newer (this is ${process.version}). In the grantflow folder, ` +
      '`npx grantflow …` runs it on the Node 24 that `npm ci` installs.\n',
  );
  process.exit(3);
}
const entry = new URL('../dist/cli-bundle/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'grantflow: dist/cli-bundle/ is missing; run `npm ci` (or `npm run build`) in the grantflow folder first.\n',
  );
  process.exit(3);
}
// V8's code cache on disk (Node's own mechanism, under the OS temp dir; NODE_COMPILE_CACHE moves it,
// NODE_DISABLE_COMPILE_CACHE=1 turns it off): later starts skip compiling grantflow's modules. The
// variable set here makes worker threads (simulate --batch --threads) use it too.
const compileCache = module.enableCompileCache?.();
if (compileCache?.directory && process.env.NODE_COMPILE_CACHE === undefined)
  process.env.NODE_COMPILE_CACHE = compileCache.directory;
// A reader that stops early (`grantflow … | head`) closes the pipe: stop quietly, as Unix tools do,
// rather than die of an unhandled EPIPE error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
