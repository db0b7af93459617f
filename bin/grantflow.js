#!/usr/bin/env node
// Entry point of the `grantflow` command: runs the compiled CLI from dist/.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'grantflow: dist/ is missing; run `npm ci` (or `npm run build`) in the grantflow folder first.\n',
  );
  process.exit(3);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
