// Variables: policy variables such as ${aws:username} — their syntax, where they may appear, the
// policy language version they need, and whether they name a key IAM knows.
import type { PolicyString, Statement } from '../../policy/index.ts';
import { scanVariables } from '../../policy/index.ts';
import type { PolicyVariable } from '../../policy/index.ts';
import { defineCheck, substringOf } from '../check.ts';
import type { CheckContext, CheckDefinition, Target } from '../check.ts';
import { awsCheckLink, grantflowCheckLink } from '../finding.ts';
import type { FindingType } from '../finding.ts';
import { actionServices, resolveConditionKey } from './conditions.ts';

/** A string of the policy, and whether IAM substitutes variables in it. */
interface VariableSite {
  readonly statement: Statement;
  readonly string: PolicyString;
  /** Resource/NotResource entries and condition values; everywhere else `${` is not a variable. */
  readonly supported: boolean;
}

/** One `${...}` found in a string, with its parts as written. */
interface FoundVariable {
  readonly site: VariableSite;
  readonly variable: PolicyVariable;
  /** The text between `${` and the comma (or `}`), untrimmed. */
  readonly rawName: string;
  /** The text after the comma, untrimmed; undefined without a default. */
  readonly rawDefault: string | undefined;
}

function stringsOf(statement: Statement): VariableSite[] {
  const out: VariableSite[] = [];
  const add = (string: PolicyString, supported: boolean) => out.push({ statement, string, supported });
  if (statement.sid) add(statement.sid, false);
  for (const list of [statement.action, statement.notAction])
    for (const s of list?.values ?? []) add(s, false);
  for (const p of [statement.principal, statement.notPrincipal]) {
    if (p?.wildcard) add(p.wildcard, false);
    for (const e of p?.entries ?? []) for (const s of e.values.values) add(s, false);
  }
  for (const list of [statement.resource, statement.notResource])
    for (const s of list?.values ?? []) add(s, true);
  for (const entry of statement.condition?.entries ?? []) {
    // A condition key is a name, not a value: a variable there is never substituted.
    add(
      {
        value: entry.key,
        path: entry.keyPath,
        node: {
          type: 'string',
          value: entry.key,
          start: entry.keyMember.keyStart,
          end: entry.keyMember.keyEnd,
        },
      },
      false,
    );
    for (const v of entry.values) if (v.jsonType === 'string') add(v, true);
  }
  return out;
}

const cache = new WeakMap<CheckContext['policy'], { sites: VariableSite[]; found: FoundVariable[] }>();

/** Every string that contains `${`, and every variable in them, found once per validation. */
function scan(ctx: CheckContext) {
  let result = cache.get(ctx.policy);
  if (result) return result;
  const sites: VariableSite[] = [];
  const found: FoundVariable[] = [];
  for (const statement of ctx.policy.statements) {
    for (const site of stringsOf(statement)) {
      const text = site.string.value;
      if (!text.includes('${')) continue;
      sites.push(site);
      for (const variable of scanVariables(text).variables) {
        const inner = text.slice(variable.start + 2, variable.start + variable.length - 1);
        const comma = inner.indexOf(',');
        found.push({
          site,
          variable,
          rawName: comma < 0 ? inner : inner.slice(0, comma),
          rawDefault: comma < 0 ? undefined : inner.slice(comma + 1),
        });
      }
    }
  }
  result = { sites, found };
  cache.set(ctx.policy, result);
  return result;
}

const variableTarget = (f: FoundVariable): Target =>
  substringOf(f.site.string, f.variable.start, f.variable.length);

type Spec = Omit<CheckDefinition, 'family' | 'learnMoreLink' | 'run' | 'findingType'> & {
  readonly findingType: FindingType;
};

/** A check that looks at each variable in the strings where IAM substitutes variables. */
function variableCheck(spec: Spec, message: (f: FoundVariable, ctx: CheckContext) => string | undefined) {
  return defineCheck({
    ...spec,
    family: 'variables',
    learnMoreLink: awsCheckLink(spec.findingType, spec.issueCode.toLowerCase().replace(/_/g, '-')),
    run(ctx, report) {
      for (const f of scan(ctx).found) {
        if (!f.site.supported) continue;
        const details = message(f, ctx);
        if (details) report(details, variableTarget(f));
      }
    },
  });
}

const missingBraceInVariable = defineCheck({
  issueCode: 'MISSING_BRACE_IN_VARIABLE',
  findingType: 'ERROR',
  family: 'variables',
  learnMoreLink: awsCheckLink('ERROR', 'missing-brace-in-variable'),
  summary: 'A policy variable opened with ${ and never closed.',
  run(ctx, report) {
    for (const site of scan(ctx).sites) {
      if (!site.supported) continue;
      const text = site.string.value;
      for (const start of scanVariables(text).unterminated) {
        report(
          `The policy variable starting at "${text.slice(start, start + 20)}" has no closing }. Close it, e.g. \${aws:username}.`,
          substringOf(site.string, start, text.length - start),
        );
      }
    }
  },
});

const emptyVariable = variableCheck(
  {
    issueCode: 'EMPTY_VARIABLE',
    findingType: 'ERROR',
    summary: 'A policy variable with nothing between the braces.',
  },
  (f) =>
    !f.variable.isEscape && f.variable.name === ''
      ? 'This policy variable names no key. Write the key between the braces, e.g. ${aws:username}, or remove the braces.'
      : undefined,
);

const unsupportedSpaceInVariable = variableCheck(
  {
    issueCode: 'UNSUPPORTED_SPACE_IN_VARIABLE',
    findingType: 'ERROR',
    summary: 'White space inside a policy variable name.',
  },
  (f) =>
    f.variable.name !== '' && /\s/.test(f.rawName)
      ? `The variable name "${f.rawName}" contains white space, which a variable name cannot have. Remove it (a space may follow the comma before a default value).`
      : undefined,
);

// Condition key names use letters, digits and these; tag keys also allow + = @.
const VARIABLE_NAME = /^[A-Za-z0-9:/._@+=-]+$/;

const unsupportedSymbolInVariable = variableCheck(
  {
    issueCode: 'UNSUPPORTED_SYMBOL_IN_VARIABLE',
    findingType: 'ERROR',
    summary: 'A character in a policy variable name that no condition key contains.',
  },
  (f) => {
    const name = f.variable.name;
    if (f.variable.isEscape || name === '' || /\s/.test(f.rawName) || VARIABLE_NAME.test(name))
      return undefined;
    const symbol = [...name].find((c) => !VARIABLE_NAME.test(c));
    return `"${symbol}" cannot appear in a policy variable name (in ${name}). Remove it.`;
  },
);

const missingQuoteInVariable = variableCheck(
  {
    issueCode: 'MISSING_QUOTE_IN_VARIABLE',
    findingType: 'ERROR',
    summary: 'A policy variable default value not enclosed in single quotes.',
  },
  (f) => {
    if (f.rawDefault === undefined || /^\s*'[^']*'\s*$/.test(f.rawDefault)) return undefined;
    return `The default value${f.rawDefault.trim() ? ` ${f.rawDefault.trim()}` : ''} must be enclosed in single quotes, e.g. \${${f.variable.name}, 'default'}.`;
  },
);

const variableUnsupportedInElement = defineCheck({
  issueCode: 'VARIABLE_UNSUPPORTED_IN_ELEMENT',
  findingType: 'ERROR',
  family: 'variables',
  learnMoreLink: awsCheckLink('ERROR', 'variable-unsupported-in-element'),
  summary: 'A policy variable outside the Resource/NotResource elements and condition values.',
  run(ctx, report) {
    for (const f of scan(ctx).found) {
      if (f.site.supported || f.variable.isEscape) continue;
      const element = f.site.string.path.find((p) => 'value' in p && p.value !== 'Statement');
      const where = element && 'value' in element ? `the ${element.value} element` : 'this element';
      const isKey = f.site.string.path.at(-1) && 'key' in f.site.string.path.at(-1)!;
      report(
        `IAM substitutes policy variables only in Resource, NotResource and condition values, so ${f.variable.name ? `\${${f.variable.name}}` : 'this variable'} in ${isKey ? 'a condition key' : where} is plain text. Remove it.`,
        variableTarget(f),
      );
    }
  },
});

const variableUnsupportedInVersion = variableCheck(
  {
    issueCode: 'VARIABLE_UNSUPPORTED_IN_VERSION',
    findingType: 'ERROR',
    summary: 'A policy variable in a policy without "Version": "2012-10-17".',
  },
  (_f, ctx) =>
    ctx.policy.version?.value === '2012-10-17'
      ? undefined
      : 'Policy variables need "Version": "2012-10-17"; under the older language version this is compared as plain text. Set the Version element.',
);

const unknownPolicyVariable = defineCheck({
  issueCode: 'UNKNOWN_POLICY_VARIABLE',
  findingType: 'WARNING',
  family: 'variables',
  learnMoreLink: grantflowCheckLink('UNKNOWN_POLICY_VARIABLE'),
  summary: 'A policy variable naming a condition key that AWS does not document.',
  run(ctx, report) {
    for (const f of scan(ctx).found) {
      const name = f.variable.name;
      if (!f.site.supported || f.variable.isEscape || !VARIABLE_NAME.test(name)) continue;
      const key = resolveConditionKey(ctx.catalog, name, actionServices(f.site.statement));
      if (key.kind === 'known' || key.kind === 'provider' || key.kind === 'malformed') continue;
      const fallback =
        f.variable.defaultValue === undefined
          ? 'no request carries it, so this value never matches'
          : `no request carries it, so it always stands for its default '${f.variable.defaultValue}'`;
      report(
        `\${${name}} names no documented condition key: ${fallback}. Check the key name.`,
        variableTarget(f),
      );
    }
  },
});

export const variablesChecks: CheckDefinition[] = [
  missingBraceInVariable,
  emptyVariable,
  unsupportedSpaceInVariable,
  unsupportedSymbolInVariable,
  missingQuoteInVariable,
  variableUnsupportedInElement,
  variableUnsupportedInVersion,
  unknownPolicyVariable,
];
