// The versions of a customer managed policy: up to the quota (five by default), ids never reused,
// the default version guarded against deletion.
import { CloudError } from '../errors.ts';
import type { PageInput, PolicyVersion } from '../types.ts';
import type { IamContext } from './context.ts';
import { checkPolicyDocument } from './documents.ts';
import { checkManagedSize, findLocalPolicy, findPolicy } from './managed-policies.ts';
import { pageFields, pageOf, sortByKey } from './pages.ts';
import { constraints } from './rules.ts';

const noSuchVersion = (arn: string, versionId: string) =>
  new CloudError('NoSuchEntity', `Policy ${arn} version ${versionId} does not exist.`);

export async function createPolicyVersion(
  iam: IamContext,
  input: { PolicyArn: string; PolicyDocument: string; SetAsDefault?: boolean },
): Promise<{ PolicyVersion: PolicyVersion }> {
  constraints().arn(input.PolicyArn).document(input.PolicyDocument, 'policyDocument').check();
  checkManagedSize(iam, input.PolicyDocument);
  checkPolicyDocument(input.PolicyDocument, 'identity', 'managed');
  return iam.write(async (trx) => {
    const row = await findLocalPolicy(trx, input.PolicyArn);
    const versions = await trx
      .selectFrom('iam_policy_versions')
      .select('version_id')
      .where('policy_arn', '=', row.arn)
      .execute();
    if (versions.length >= iam.quotas.versionsPerPolicy) {
      throw new CloudError(
        'LimitExceeded',
        `A managed policy can have up to ${iam.quotas.versionsPerPolicy} versions. Delete a version before you create a new one.`,
      );
    }
    const now = iam.now();
    const versionId = `v${row.next_version}`;
    await trx
      .insertInto('iam_policy_versions')
      .values({
        policy_arn: row.arn,
        version_id: versionId,
        version_number: row.next_version,
        document: input.PolicyDocument,
        create_date: now,
      })
      .execute();
    await trx
      .updateTable('iam_policies')
      .set({
        next_version: row.next_version + 1,
        update_date: now,
        ...(input.SetAsDefault ? { default_version_id: versionId } : {}),
      })
      .where('arn', '=', row.arn)
      .execute();
    return {
      PolicyVersion: {
        VersionId: versionId,
        IsDefaultVersion: Boolean(input.SetAsDefault),
        CreateDate: new Date(now),
      },
    };
  });
}

export async function getPolicyVersion(
  iam: IamContext,
  input: { PolicyArn: string; VersionId: string },
): Promise<{ PolicyVersion: PolicyVersion }> {
  constraints().arn(input.PolicyArn).versionId(input.VersionId).check();
  return iam.read(async (trx) => {
    const policy = await findPolicy(trx, input.PolicyArn);
    const row = await trx
      .selectFrom('iam_policy_versions')
      .selectAll()
      .where('policy_arn', '=', policy.arn)
      .where('version_id', '=', input.VersionId)
      .executeTakeFirst();
    if (!row) throw noSuchVersion(policy.arn, input.VersionId);
    return {
      PolicyVersion: {
        Document: row.document,
        VersionId: row.version_id,
        IsDefaultVersion: row.version_id === policy.default_version_id,
        CreateDate: new Date(row.create_date),
      },
    };
  });
}

export async function listPolicyVersions(iam: IamContext, input: { PolicyArn: string } & PageInput) {
  constraints().arn(input.PolicyArn).page(input).check();
  return iam.read(async (trx) => {
    const policy = await findPolicy(trx, input.PolicyArn);
    const rows = await trx
      .selectFrom('iam_policy_versions')
      .select(['version_id', 'version_number', 'create_date'])
      .where('policy_arn', '=', policy.arn)
      .execute();
    // Newest first, as IAM lists them.
    const sortKey = (r: { version_number: number }) => String(1e9 - r.version_number).padStart(10, '0');
    const page = pageOf(sortByKey(rows, sortKey), sortKey, input);
    return {
      Versions: page.items.map((r) => ({
        VersionId: r.version_id,
        IsDefaultVersion: r.version_id === policy.default_version_id,
        CreateDate: new Date(r.create_date),
      })),
      ...pageFields(page),
    };
  });
}

export async function deletePolicyVersion(
  iam: IamContext,
  input: { PolicyArn: string; VersionId: string },
): Promise<void> {
  constraints().arn(input.PolicyArn).versionId(input.VersionId).check();
  await iam.write(async (trx) => {
    const policy = await findLocalPolicy(trx, input.PolicyArn);
    if (policy.default_version_id === input.VersionId) {
      throw new CloudError('DeleteConflict', 'Cannot delete the default version of a policy.');
    }
    const result = await trx
      .deleteFrom('iam_policy_versions')
      .where('policy_arn', '=', policy.arn)
      .where('version_id', '=', input.VersionId)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw noSuchVersion(policy.arn, input.VersionId);
  });
}
