// Structure: the policy grammar — elements, their JSON types, Version, Effect, Sid, duplicates.
import { at, defineCheck } from '../check.ts';
import type { CheckDefinition } from '../check.ts';
import { awsCheckLink } from '../finding.ts';

const missingVersion = defineCheck({
  issueCode: 'MISSING_VERSION',
  findingType: 'WARNING',
  family: 'structure',
  learnMoreLink: awsCheckLink('WARNING', 'missing-version'),
  summary:
    'The policy has no Version element, so IAM reads it with the 2008-10-17 rules (no policy variables).',
  run(ctx, report) {
    if (ctx.policy.root.type !== 'object' || ctx.policy.root.members.some((m) => m.key === 'Version')) return;
    report(
      'Add "Version": "2012-10-17" to the policy. Without it IAM applies the 2008-10-17 language version, in which policy variables such as ${aws:username} are plain text.',
      at({ node: ctx.policy.root, path: [] }),
    );
  },
});

export const structureChecks: CheckDefinition[] = [missingVersion];
