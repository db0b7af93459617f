// Actions: every Action and NotAction entry must name a known service and match at least one of
// its actions; entries already covered by another entry of the same element are redundant. (Which
// actions a role trust policy may name is checked with the other trust-policy rules, in principals.)
import type { Catalog } from '../../catalog/index.ts';
import type { ValueList } from '../../policy/index.ts';
import { hasWildcard, wildcardCovers } from '../../policy/index.ts';
import { at, defineCheck } from '../check.ts';
import { actionGroup, redundantEntries } from '../redundancy.ts';
import type { CheckContext, CheckDefinition, ExpandedAction } from '../check.ts';
import { awsCheckLink } from '../finding.ts';

/** The Action and NotAction elements of every statement, with their names. */
function actionLists(ctx: CheckContext): { name: 'Action' | 'NotAction'; list: ValueList }[] {
  const out: { name: 'Action' | 'NotAction'; list: ValueList }[] = [];
  for (const statement of ctx.policy.statements) {
    if (statement.action) out.push({ name: 'Action', list: statement.action });
    if (statement.notAction) out.push({ name: 'NotAction', list: statement.notAction });
  }
  return out;
}

/** What is wrong with one entry's service or action part, if anything. */
type EntryProblem =
  | { readonly kind: 'no-colon' }
  | { readonly kind: 'service-wildcard'; readonly service: string }
  | { readonly kind: 'unknown-service'; readonly service: string }
  | { readonly kind: 'unknown-action'; readonly service: string; readonly action: string };

function problemOf(expanded: ExpandedAction, catalog: Catalog): EntryProblem | undefined {
  const value = expanded.entry.value;
  if (value === '*') return undefined;
  const colon = value.indexOf(':');
  if (colon < 0) return { kind: 'no-colon' };
  const service = value.slice(0, colon);
  if (hasWildcard(service)) return { kind: 'service-wildcard', service };
  if (!catalog.service(service)) return { kind: 'unknown-service', service };
  if (expanded.actions.length > 0) return undefined;
  return { kind: 'unknown-action', service, action: value.slice(colon + 1) };
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidate closest to a misspelled name, when it is close enough to be a likely typo. */
function closest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.trim().toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(lower.length / 4)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - lower.length) > limit) continue;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function spaceHint(text: string): string {
  return /\s/.test(text) ? ' It contains whitespace, which makes it a different name.' : '';
}

const invalidServiceInAction = defineCheck({
  issueCode: 'INVALID_SERVICE_IN_ACTION',
  findingType: 'ERROR',
  family: 'actions',
  learnMoreLink: awsCheckLink('ERROR', 'invalid-service-in-action'),
  summary:
    'An Action or NotAction entry names a service prefix that does not exist, or puts a wildcard in it.',
  run(ctx, report) {
    for (const { list } of actionLists(ctx)) {
      for (const expanded of ctx.expand(list)) {
        const problem = problemOf(expanded, ctx.catalog);
        const value = expanded.entry.value;
        if (problem?.kind === 'service-wildcard') {
          report(
            `"${value}" has a wildcard in its service prefix "${problem.service}". IAM does not accept wildcards in the service part of an action; name the service, as in "s3:Get*", or use "*" alone for every action.`,
            at(expanded.entry),
          );
        } else if (problem?.kind === 'unknown-service') {
          const guess = closest(
            problem.service,
            ctx.catalog.services().map((s) => s.prefix),
          );
          report(
            `"${problem.service}" in "${value}" is not a service prefix IAM knows, so the entry matches no action.${spaceHint(problem.service)}${guess ? ` Did you mean "${guess}"?` : ''}`,
            at(expanded.entry),
          );
        }
      }
    }
  },
});

const invalidAction = defineCheck({
  issueCode: 'INVALID_ACTION',
  findingType: 'ERROR',
  family: 'actions',
  learnMoreLink: awsCheckLink('ERROR', 'invalid-action'),
  summary:
    'An Action or NotAction entry names an action its service does not have, a wildcard that matches none of its actions, or has no service prefix.',
  run(ctx, report) {
    for (const { list } of actionLists(ctx)) {
      for (const expanded of ctx.expand(list)) {
        const problem = problemOf(expanded, ctx.catalog);
        const value = expanded.entry.value;
        if (problem?.kind === 'no-colon') {
          report(
            `"${value}" is not written as service:action (for example "s3:GetObject"), so it matches no action.`,
            at(expanded.entry),
          );
        } else if (problem?.kind === 'unknown-action') {
          const service = ctx.catalog.service(problem.service)!;
          if (hasWildcard(problem.action)) {
            report(
              `The wildcard "${value}" matches none of the actions of ${service.name}, so it grants or denies nothing.${spaceHint(problem.action)}`,
              at(expanded.entry),
            );
          } else {
            const names = ctx.catalog.actionsOf(problem.service).map((a) => a.name);
            const guess = closest(problem.action, names);
            report(
              `${service.name} has no action "${problem.action}", so "${value}" matches nothing.${spaceHint(problem.action)}${guess ? ` Did you mean "${service.prefix}:${guess}"?` : ''}`,
              at(expanded.entry),
            );
          }
        }
      }
    }
  },
});

const redundantAction = defineCheck({
  issueCode: 'REDUNDANT_ACTION',
  findingType: 'SUGGESTION',
  family: 'actions',
  learnMoreLink: awsCheckLink('SUGGESTION', 'redundant-action'),
  summary:
    'An Action or NotAction entry matches only actions another entry of the same element already matches.',
  run(ctx, report) {
    for (const { name, list } of actionLists(ctx)) {
      const values = list.values;
      const covers = redundantEntries(
        values.map((v) => v.value),
        (outer, inner) => wildcardCovers(outer, inner, true),
        (v) => v.toLowerCase(),
        actionGroup,
      );
      values.forEach((entry, i) => {
        const cover = values[covers[i]!];
        if (!cover) return;
        report(
          cover.value.toLowerCase() === entry.value.toLowerCase()
            ? `"${entry.value}" appears more than once in this ${name} element; remove the repetition.`
            : `"${entry.value}" is redundant: "${cover.value}" in the same ${name} element already matches every action it matches. Remove one of them.`,
          at(entry),
        );
      });
    }
  },
});

export const actionsChecks: CheckDefinition[] = [invalidAction, invalidServiceInAction, redundantAction];
