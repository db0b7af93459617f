// ARCHITECTURE.md's rule "a lower layer never imports a higher one", checked on the sources: the
// pure core (in its own order), then the adapters, the use cases, and the entry points.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** A folder may import folders of its own rank or below. */
const RANK: Readonly<Record<string, number>> = {
  // Pure core: the policy model, then the service reference, then checks and decisions on
  // policies, then reasoning on top of decisions.
  policy: 0,
  catalog: 1,
  validate: 2,
  evaluate: 2,
  analyze: 3,
  // Adapters at the edges.
  store: 10,
  cloud: 11,
  notify: 12,
  // Use cases.
  generate: 20,
  audit: 20,
  workflow: 21,
  // Entry points.
  server: 30,
  cli: 31,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The src/ folder each relative import (static, re-export or dynamic) in `text` of `file` lands in. */
function importedFolders(file: string, text = readFileSync(file, 'utf8')): string[] {
  const specifiers = [...text.matchAll(/(?:from|import\(|import)\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specifiers.flatMap((s) => {
    const target = relative(SRC, resolve(dirname(file), s));
    const [folder, ...rest] = target.split(sep);
    return rest.length > 0 && folder !== '..' ? [folder!] : [];
  });
}

describe('module layering', () => {
  const folders = readdirSync(SRC, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);

  it('knows the rank of every folder under src/', () => {
    expect(folders.filter((f) => RANK[f] === undefined)).toEqual([]);
  });

  it('has no folder importing a folder of a higher rank', () => {
    const violations: string[] = [];
    for (const folder of folders) {
      for (const file of sourceFiles(join(SRC, folder))) {
        for (const target of importedFolders(file)) {
          if (target !== folder && RANK[target]! > RANK[folder]!)
            violations.push(`${relative(SRC, file)} imports ${target}/`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('sees static imports, re-exports and dynamic imports, and only those leaving src/ stay out', () => {
    const text = [
      "import { a } from '../policy/index.ts';",
      "import type { B } from '../../src/store/index.ts';",
      "export { c } from '../analyze/index.ts';",
      "const main = await import('../cli/main.ts');",
      "import '../notify/index.ts';",
      "import { d } from './same-folder.ts';",
      "import { e } from '../../test/helpers/cli.ts';",
      "import { f } from 'node:fs';",
    ].join('\n');
    expect(importedFolders(join(SRC, 'evaluate', 'example.ts'), text)).toEqual([
      'policy',
      'store',
      'analyze',
      'cli',
      'notify',
      'evaluate',
    ]);
  });
});
