// A separate writer process for the concurrency test: runs create → attach → detach → delete
// cycles against the embedded IAM in the given database file, and leaves one policy attached per
// round so the parent can check that nothing was lost. Run: node iam-writer.ts <db> <tag> <rounds>
import { LocalIamBackend } from '../../src/cloud/index.ts';
import { openStore } from '../../src/store/index.ts';

const [path, tag, roundsText] = process.argv.slice(2);
if (!path || !tag || !roundsText) throw new Error('usage: iam-writer.ts <db> <tag> <rounds>');
const store = await openStore({ kind: 'sqlite', path });
const iam = await LocalIamBackend.open(store, { ownsStore: true });
const doc = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*' }],
});
await iam.createUser({ UserName: `writer-${tag}` });
for (let i = 0; i < Number(roundsText); i++) {
  const { Policy } = await iam.createPolicy({ PolicyName: `${tag}-cycle-${i}`, PolicyDocument: doc });
  await iam.attachUserPolicy({ UserName: 'shared-user', PolicyArn: Policy.Arn });
  await iam.detachUserPolicy({ UserName: 'shared-user', PolicyArn: Policy.Arn });
  await iam.deletePolicy({ PolicyArn: Policy.Arn });
  const kept = await iam.createPolicy({ PolicyName: `${tag}-kept-${i}`, PolicyDocument: doc });
  await iam.attachGroupPolicy({ GroupName: 'shared-group', PolicyArn: kept.Policy.Arn });
  await iam.detachGroupPolicy({ GroupName: 'shared-group', PolicyArn: kept.Policy.Arn });
  await iam
    .attachUserPolicy({ UserName: `writer-${tag}`, PolicyArn: kept.Policy.Arn })
    .catch((err: { code?: string }) => {
      // More than ten per user is refused; those policies stay unattached.
      if (err.code !== 'LimitExceeded') throw err;
    });
}
await iam.close();
process.stdout.write('done\n');
