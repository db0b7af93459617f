// A separate process appending to the audit log, for the concurrency tests: appends <count>
// events with actor <tag> and details {i}, then prints "done".
// Run: node audit-appender.ts '<StoreConfig as JSON>' <tag> <count>
import { appendAuditEvent, openStore } from '../../src/store/index.ts';
import type { StoreConfig } from '../../src/store/index.ts';

const [configText, tag, countText] = process.argv.slice(2);
if (!configText || !tag || !countText) throw new Error("usage: audit-appender.ts '<config>' <tag> <count>");
const store = await openStore(JSON.parse(configText) as StoreConfig);
for (let i = 0; i < Number(countText); i++) {
  await appendAuditEvent(store.db, {
    type: 'test.append',
    actor: tag,
    subject: `${tag}-${i}`,
    details: { i },
  });
}
await store.close();
process.stdout.write('done\n');
