// Bundles the `grantflow` command into dist/cli-bundle/ (run by `npm run build`, after tsc).
//
// Node's ES module loader spends about half a millisecond on each module it loads; a command loads
// 25–40 of grantflow's own, so bundling them saves ~10 ms at every start (bench/RESULTS.md: `validate`
// 85 → 71.5 ms median). Each command stays a chunk of its own, loaded when run, and dependencies
// are not bundled: they load from node_modules as before.
//
// The chunks sit two folders below the package root, as src/cli/*.ts do, so the paths that modules
// make from import.meta.url (the demo's example request, the batch worker next to the command)
// point at the same files. dist/ keeps tsc's output for the library (`exports`).
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/cli-bundle`;

// Chunk names carry a hash: remove the last build's so that they do not pile up.
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts', 'src/cli/simulate-batch-worker.ts'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22.12',
  packages: 'external',
  // Maps back to src/ (names and lines, not the text) for NODE_OPTIONS=--enable-source-maps.
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
});
