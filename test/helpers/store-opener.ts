// A separate process that opens (and so migrates) the store described by its argument, for the
// concurrent-migration tests. Run: node store-opener.ts '<StoreConfig as JSON>'
import { openStore } from '../../src/store/index.ts';
import type { StoreConfig } from '../../src/store/index.ts';

const [configText] = process.argv.slice(2);
if (!configText) throw new Error("usage: store-opener.ts '<StoreConfig as JSON>'");
const store = await openStore(JSON.parse(configText) as StoreConfig);
await store.close();
process.stdout.write('opened\n');
