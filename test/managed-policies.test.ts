// Issue 2's bar: on the AWS managed policies in shared/data there is no ERROR finding except where
// the policy really contains an unknown action or a malformed element. Every exception is listed
// here with the reason, and the test fails if one appears or disappears.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validatePolicy } from '../src/validate/index.ts';

const dir = fileURLToPath(new URL('../../shared/data/managed-policies/', import.meta.url));

/** file → issue code → [count, reason] */
const EXCEPTIONS: Record<string, Record<string, [number, string]>> = {
  'AmazonDataZoneSageMakerEnvironmentRolePermissionsBoundary.json': {
    INVALID_SERVICE_IN_ACTION: [
      1,
      'elastic-inference:Connect: Elastic Inference was retired and its prefix left the service reference',
    ],
    INVALID_ARN_RESOURCE: [
      1,
      'arn:…:states:…:statemachine:*: the resource type is spelled stateMachine, and ARNs match case-sensitively',
    ],
  },
  'AmazonSageMakerHyperPodInferenceAccess.json': {
    INVALID_ARN_RESOURCE: [
      1,
      'endpointconfig/*: SageMaker endpoint configuration ARNs are endpoint-config/…',
    ],
  },
  'AmazonSecurityLakeMetastoreManager.json': {
    INVALID_ARN_RESOURCE: [1, 'arn:aws:logs:*:*:/aws/lambda/…: the log-group: part is missing'],
  },
  'AWSElasticBeanstalkRoleCore.json': {
    INVALID_ARN_RESOURCE: [1, 'listener/awseb-*: ELB listener ARNs are listener/app|net|gwy/…'],
  },
  'AWSDeepRacerCloudFormationAccessPolicy.json': {
    INVALID_ARN_RESOURCE: [
      1,
      'robomaker …:/createSimulationApplication: no RoboMaker resource has this form',
    ],
  },
  'AWSWAFConsoleReadOnlyAccess.json': {
    INVALID_ARN_RESOURCE: [
      3,
      'changetoken/* (WAF Classic and WAF Regional) is no resource type; pricingplanmanager subscriptions are subscription/…',
    ],
  },
  'AWSWAFFullAccess.json': {
    INVALID_ARN_RESOURCE: [2, 'changetoken/* (WAF Classic and WAF Regional) is no resource type'],
  },
  'AWSWAFReadOnlyAccess.json': {
    INVALID_ARN_RESOURCE: [2, 'changetoken/* (WAF Classic and WAF Regional) is no resource type'],
  },
  'AWSSSOServiceRolePolicy.json': {
    INVALID_GLOBAL_CONDITION_KEY: [
      2,
      'aws:PrincipalOrgMasterAccountId is not a documented global condition key',
    ],
  },
  'AWSAuditManagerAdministratorAccess.json': {
    MISSING_QUALIFIER: [
      1,
      'events:detail-type is documented as multivalued (ArrayOfString) but compared with a plain StringEquals',
    ],
  },
  'CloudTrailEventContext.json': {
    MISSING_QUALIFIER: [
      1,
      'events:detail-type is documented as multivalued (ArrayOfString) but compared with a plain StringEquals',
    ],
  },
};

describe('AWS managed policies', () => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();

  it('has the whole corpus to check', () => {
    expect(files.length).toBe(302);
  });

  it('raises no ERROR but the listed, real ones', () => {
    const errors: Record<string, Record<string, number>> = {};
    for (const file of files) {
      for (const f of validatePolicy(readFileSync(dir + file, 'utf8')).findings) {
        if (f.findingType !== 'ERROR') continue;
        errors[file] ??= {};
        errors[file][f.issueCode] = (errors[file][f.issueCode] ?? 0) + 1;
      }
    }
    const expected = Object.fromEntries(
      Object.entries(EXCEPTIONS).map(([file, codes]) => [
        file,
        Object.fromEntries(Object.entries(codes).map(([c, [n]]) => [c, n])),
      ]),
    );
    expect(errors).toEqual(expected);
  });
});
