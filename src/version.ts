import { createRequire } from 'node:module';

/**
 * grantflow's version, from package.json. Found by the package's name, not by a relative path: the
 * bundled command (dist/cli-bundle) sits at another depth than src/ and dist/.
 */
export const VERSION: string = (
  createRequire(import.meta.url)('grantflow/package.json') as { version: string }
).version;
