// Organizations: the grammar of service control policies (SCPs) and resource control policies (RCPs),
// where it is narrower than the IAM policy grammar.
//
// Since September 2025 SCPs accept the full IAM language except principals: Allow with Condition,
// NotAction or specific resources, NotResource, and wildcards anywhere in an action name are all
// valid, so Access Analyzer's older SCP_SYNTAX_ERROR_* codes for them have no check here.
import type { JsonMember, Statement } from '../../policy/index.ts';
import { effectOf } from '../../policy/index.ts';
import { at, defineCheck } from '../check.ts';
import type { CheckDefinition } from '../check.ts';
import { awsCheckLink, grantflowCheckLink } from '../finding.ts';
import { memberOf, objectStatements, valueTarget } from './structure.ts';

const scpSyntaxErrorPrincipal = defineCheck({
  issueCode: 'SCP_SYNTAX_ERROR_PRINCIPAL',
  findingType: 'ERROR',
  family: 'organizations',
  learnMoreLink: awsCheckLink('ERROR', 'scp-syntax-error-principal'),
  summary: 'An SCP statement has a Principal or NotPrincipal element, which SCPs do not support.',
  policyTypes: ['scp'],
  run(ctx, report) {
    for (const s of objectStatements(ctx.policy)) {
      for (const name of ['Principal', 'NotPrincipal']) {
        const m = memberOf(s.node, name);
        if (!m) continue;
        report(
          `SCPs have no ${name} element: they apply to every IAM principal in the accounts they are attached to. Remove it and, to single out principals, use a condition on aws:PrincipalArn.`,
          valueTarget(m, s.path),
        );
      }
    }
  },
});

// ---------------------------------------------------------------------------------------------
// Resource control policies

function isStar(m: JsonMember | undefined): boolean {
  return m?.value.type === 'string' && m.value.value === '*';
}

/** `"*"` or `["*", ...]` with nothing but `"*"` in it. */
function isAllStar(m: JsonMember | undefined): boolean {
  if (!m) return false;
  if (m.value.type === 'array') {
    return m.value.items.length > 0 && m.value.items.every((i) => i.type === 'string' && i.value === '*');
  }
  return isStar(m);
}

const rcpSyntaxErrorPrincipal = defineCheck({
  issueCode: 'RCP_SYNTAX_ERROR_PRINCIPAL',
  findingType: 'ERROR',
  family: 'organizations',
  learnMoreLink: awsCheckLink('ERROR', 'rcp-syntax-error-principal'),
  summary: 'An RCP statement has no Principal, a Principal other than "*", or a NotPrincipal element.',
  policyTypes: ['rcp'],
  run(ctx, report) {
    for (const s of objectStatements(ctx.policy)) {
      const principal = memberOf(s.node, 'Principal');
      const notPrincipal = memberOf(s.node, 'NotPrincipal');
      if (notPrincipal) {
        report(
          'RCPs do not support NotPrincipal. Use "Principal": "*" and exclude principals with a condition, for example on aws:PrincipalOrgID or aws:PrincipalArn.',
          valueTarget(notPrincipal, s.path),
        );
      }
      if (principal && !isStar(principal)) {
        report(
          'In an RCP the Principal must be exactly "*". Narrow who the statement applies to with conditions such as aws:PrincipalOrgID or aws:PrincipalIsAWSService.',
          valueTarget(principal, s.path),
        );
      } else if (!principal && !notPrincipal) {
        report('Every RCP statement needs "Principal": "*".', at(s));
      }
    }
  },
});

function allowStatements(
  statements: Statement[],
): { s: Statement; effect: NonNullable<Statement['effect']> }[] {
  return statements.flatMap((s) => (effectOf(s) === 'Allow' && s.effect ? [{ s, effect: s.effect }] : []));
}

const rcpSyntaxErrorAllow = defineCheck({
  issueCode: 'RCP_SYNTAX_ERROR_ALLOW',
  findingType: 'ERROR',
  family: 'organizations',
  learnMoreLink: awsCheckLink('ERROR', 'rcp-syntax-error-allow'),
  summary:
    'An RCP Allow statement has a Principal or Resource other than "*", a NotResource, or a Condition.',
  policyTypes: ['rcp'],
  run(ctx, report) {
    for (const { s, effect } of allowStatements(objectStatements(ctx.policy))) {
      const problems: string[] = [];
      if (!isStar(memberOf(s.node, 'Principal'))) problems.push('its Principal is not "*"');
      if (memberOf(s.node, 'NotResource')) problems.push('it uses NotResource');
      else if (!isAllStar(memberOf(s.node, 'Resource'))) problems.push('its Resource is not "*"');
      if (memberOf(s.node, 'Condition')) problems.push('it has a Condition');
      if (problems.length === 0) continue;
      report(
        `An RCP can allow only everything: an Allow statement needs "Principal": "*", "Resource": "*" and no Condition, but ${problems.join(', ')}. Restrict access with Deny statements instead.`,
        at(effect),
      );
    }
  },
});

const rcpSyntaxErrorAllowAction = defineCheck({
  issueCode: 'RCP_SYNTAX_ERROR_ALLOW_ACTION',
  findingType: 'ERROR',
  family: 'organizations',
  learnMoreLink: grantflowCheckLink('RCP_SYNTAX_ERROR_ALLOW_ACTION'),
  summary:
    'An RCP Allow statement lists specific actions; Organizations accepts Allow only as the AWS-managed RCPFullAWSAccess ("Action": "*").',
  policyTypes: ['rcp'],
  run(ctx, report) {
    for (const { s } of allowStatements(objectStatements(ctx.policy))) {
      const action = memberOf(s.node, 'Action');
      if (!action || isAllStar(action)) continue;
      report(
        'RCPs you write must use "Effect": "Deny"; the only Allow that Organizations accepts is the AWS-managed RCPFullAWSAccess, which allows "Action": "*". Rewrite this as a Deny of what should not pass.',
        valueTarget(action, s.path),
      );
    }
  },
});

const rcpSyntaxErrorNotAction = defineCheck({
  issueCode: 'RCP_SYNTAX_ERROR_NOTACTION',
  findingType: 'ERROR',
  family: 'organizations',
  learnMoreLink: awsCheckLink('ERROR', 'rcp-syntax-error-notaction'),
  summary: 'An RCP statement uses NotAction, which RCPs do not support.',
  policyTypes: ['rcp'],
  run(ctx, report) {
    for (const s of objectStatements(ctx.policy)) {
      const m = memberOf(s.node, 'NotAction');
      if (m)
        report(
          'RCPs do not support NotAction. List the actions to deny in an Action element.',
          valueTarget(m, s.path),
        );
    }
  },
});

const rcpSyntaxErrorAction = defineCheck({
  issueCode: 'RCP_SYNTAX_ERROR_ACTION',
  findingType: 'ERROR',
  family: 'organizations',
  learnMoreLink: awsCheckLink('ERROR', 'rcp-syntax-error-action'),
  summary:
    'An RCP action is "*" on its own, has a wildcard in the service prefix, or belongs to a service that does not support RCPs.',
  policyTypes: ['rcp'],
  run(ctx, report) {
    for (const s of objectStatements(ctx.policy)) {
      // The AWS-managed RCPFullAWSAccess allows "*"; that Allow is judged by the RCP_SYNTAX_ERROR_ALLOW checks.
      const allow = effectOf(s) === 'Allow';
      for (const entry of s.action?.values ?? []) {
        const value = entry.value;
        if (value === '*') {
          if (!allow) {
            report(
              'A customer-managed RCP cannot use "*" as an action. Name the service, for example "s3:*" or "sts:AssumeRole".',
              at(entry),
            );
          }
          continue;
        }
        const colon = value.indexOf(':');
        if (colon < 0) continue; // not an action at all: the actions family reports it
        const service = value.slice(0, colon);
        if (/[*?]/.test(service)) {
          report(
            `RCP actions must name the service exactly; "${service}" has a wildcard in the service prefix.`,
            at(entry),
          );
        } else if (ctx.catalog.service(service) && !ctx.catalog.supportsRcp(service)) {
          report(
            `The service "${service}" does not support resource control policies, so this action has no effect in an RCP. Check the list of services that support RCPs.`,
            at(entry),
          );
        }
      }
    }
  },
});

const rcpSyntaxErrorVersion = defineCheck({
  issueCode: 'RCP_SYNTAX_ERROR_VERSION',
  findingType: 'ERROR',
  family: 'organizations',
  learnMoreLink: grantflowCheckLink('RCP_SYNTAX_ERROR_VERSION'),
  summary:
    'An RCP has no Version element or uses 2008-10-17; Organizations requires "Version": "2012-10-17" in every RCP.',
  policyTypes: ['rcp'],
  run(ctx, report) {
    const { root, version } = ctx.policy;
    if (root.type !== 'object') return;
    if (!memberOf(root, 'Version')) {
      report('Every RCP must include "Version": "2012-10-17".', at({ node: root, path: [] }));
    } else if (version?.value === '2008-10-17') {
      report('RCPs require the 2012-10-17 policy language; change the Version to "2012-10-17".', at(version));
    }
  },
});

export const organizationsChecks: CheckDefinition[] = [
  scpSyntaxErrorPrincipal,
  rcpSyntaxErrorPrincipal,
  rcpSyntaxErrorAllow,
  rcpSyntaxErrorAllowAction,
  rcpSyntaxErrorNotAction,
  rcpSyntaxErrorAction,
  rcpSyntaxErrorVersion,
];
