import { describe, expect, it } from 'vitest';
import { getCatalog } from './catalog.ts';
import {
  combinationsInvolving,
  CREDENTIALS_EXPOSURE_ACTIONS,
  credentialsExposureAction,
  DATA_EXFILTRATION_ACTIONS,
  dataExfiltrationAction,
  PRIVILEGE_ESCALATION_ACTIONS,
  PRIVILEGE_ESCALATION_COMBINATIONS,
  privilegeEscalationAction,
  RESOURCE_EXPOSURE_ACTIONS,
  resourceExposureAction,
  riskCategoriesOf,
} from './risk.ts';

const catalog = getCatalog();

const TABLES = {
  'privilege escalation': PRIVILEGE_ESCALATION_ACTIONS,
  'credentials exposure': CREDENTIALS_EXPOSURE_ACTIONS,
  'data exfiltration': DATA_EXFILTRATION_ACTIONS,
  'resource exposure': RESOURCE_EXPOSURE_ACTIONS,
};

describe('risk tables', () => {
  it.each(Object.entries(TABLES))(
    'every %s action exists in the catalog, spelled as AWS spells it',
    (_, table) => {
      const wrong = table.filter((e) => catalog.action(e.action)?.key !== e.action).map((e) => e.action);
      expect(wrong).toEqual([]);
    },
  );

  it.each(Object.entries(TABLES))(
    'the %s table lists each action once, with a one-line reason',
    (_, table) => {
      const keys = table.map((e) => e.action.toLowerCase());
      expect(new Set(keys).size).toBe(keys.length);
      for (const e of table) {
        expect(e.reason.length).toBeGreaterThan(10);
        expect(e.reason).not.toMatch(/\n/);
      }
    },
  );

  it('every combination step names catalog actions, and each combination needs more than one permission', () => {
    const ids = PRIVILEGE_ESCALATION_COMBINATIONS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const combo of PRIVILEGE_ESCALATION_COMBINATIONS) {
      expect(combo.steps.length).toBeGreaterThan(1);
      for (const action of combo.steps.flat())
        expect(catalog.action(action)?.key, `${combo.id}: ${action}`).toBe(action);
      for (const service of combo.passedToService) expect(service).toMatch(/^[a-z0-9.-]+\.amazonaws\.com$/);
    }
  });

  it('marks iam:PassRole as escalating only in combination, and the IAM policy writers as standalone', () => {
    expect(privilegeEscalationAction('iam:PassRole')?.standalone).toBe(false);
    expect(privilegeEscalationAction('iam:PutRolePolicy')?.standalone).toBe(true);
    const passRoleCombos = PRIVILEGE_ESCALATION_COMBINATIONS.filter((c) =>
      c.steps.some((s) => s.includes('iam:PassRole')),
    );
    expect(passRoleCombos.length).toBe(PRIVILEGE_ESCALATION_COMBINATIONS.length);
  });
});

describe('lookups', () => {
  it('find entries by full action name, case-insensitively', () => {
    expect(privilegeEscalationAction('IAM:attachuserpolicy')?.action).toBe('iam:AttachUserPolicy');
    expect(credentialsExposureAction('ec2:getpassworddata')?.grants).toBe('other');
    expect(credentialsExposureAction('ECR:GetAuthorizationToken')?.grants).toBe('caller');
    expect(dataExfiltrationAction('s3:getobject')?.action).toBe('s3:GetObject');
    expect(resourceExposureAction('KMS:PutKeyPolicy')?.action).toBe('kms:PutKeyPolicy');
  });

  it('return undefined for actions outside the tables, wildcards and malformed names', () => {
    expect(privilegeEscalationAction('iam:GetUser')).toBeUndefined();
    expect(privilegeEscalationAction('iam:*')).toBeUndefined();
    expect(dataExfiltrationAction('GetObject')).toBeUndefined();
    expect(resourceExposureAction('s3:GetObject')).toBeUndefined();
    expect(credentialsExposureAction('')).toBeUndefined();
  });

  it('list every category of an action in a fixed order', () => {
    expect(riskCategoriesOf('iam:CreateAccessKey')).toEqual(['privilege-escalation', 'credentials-exposure']);
    expect(riskCategoriesOf('iam:UpdateAssumeRolePolicy')).toEqual([
      'privilege-escalation',
      'resource-exposure',
    ]);
    expect(riskCategoriesOf('s3:ListBucket')).toEqual([]);
  });

  it('find the combinations an action takes part in', () => {
    const ids = combinationsInvolving('lambda:createfunction').map((c) => c.id);
    expect(ids).toEqual(['passrole-lambda']);
    expect(combinationsInvolving('ec2:RunInstances').map((c) => c.id)).toContain('passrole-ec2');
    expect(combinationsInvolving('s3:GetObject')).toEqual([]);
  });
});
