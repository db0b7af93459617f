// IAM condition operators as data: eight families of base operators, each base operator a
// comparison (possibly negated), and two composable wrappers — the `ForAllValues:`/`ForAnyValue:`
// set qualifiers in front and the `IfExists` suffix behind. Validation and evaluation both read
// this table; neither keeps its own list of operator names.

export type OperatorFamily = 'String' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'IpAddress' | 'Arn' | 'Null';

/** How a base operator compares the request's value with the policy's values. */
export type Comparison =
  | 'equals'
  | 'equalsIgnoreCase'
  /** `*` and `?` wildcards; for ARNs, matched segment by segment. */
  | 'like'
  | 'lessThan'
  | 'lessThanEquals'
  | 'greaterThan'
  | 'greaterThanEquals'
  /** The request's IP address lies in one of the policy's CIDR ranges. */
  | 'inRange'
  /** The policy value `true` means the key is absent, `false` that it is present. */
  | 'isNull';

export interface BaseOperator {
  readonly name: string;
  readonly family: OperatorFamily;
  readonly comparison: Comparison;
  /** `StringNotEquals`, `NotIpAddress`…: the result of the comparison is inverted. */
  readonly negated: boolean;
}

export interface FamilyInfo {
  readonly family: OperatorFamily;
  /** What the policy values must be written as. */
  readonly valueFormat: 'string' | 'number' | 'date' | 'boolean' | 'base64' | 'cidr' | 'arn';
  /** Policy variables (`${aws:username}`) are substituted only for string and ARN operators. */
  readonly supportsVariables: boolean;
  readonly members: readonly BaseOperator[];
}

export type SetQualifier = 'ForAllValues' | 'ForAnyValue';

export const SET_QUALIFIERS: readonly SetQualifier[] = ['ForAllValues', 'ForAnyValue'];

export const IF_EXISTS_SUFFIX = 'IfExists';

type MemberSpec = readonly [name: string, comparison: Comparison, negated?: boolean];

function family(
  name: OperatorFamily,
  valueFormat: FamilyInfo['valueFormat'],
  supportsVariables: boolean,
  members: readonly MemberSpec[],
): FamilyInfo {
  return {
    family: name,
    valueFormat,
    supportsVariables,
    members: members.map(([op, comparison, negated = false]) => ({
      name: op,
      family: name,
      comparison,
      negated,
    })),
  };
}

const ORDERED = (prefix: string): MemberSpec[] => [
  [`${prefix}Equals`, 'equals'],
  [`${prefix}NotEquals`, 'equals', true],
  [`${prefix}LessThan`, 'lessThan'],
  [`${prefix}LessThanEquals`, 'lessThanEquals'],
  [`${prefix}GreaterThan`, 'greaterThan'],
  [`${prefix}GreaterThanEquals`, 'greaterThanEquals'],
];

/** The condition operator families, as the IAM condition operator reference lists them. */
export const OPERATOR_FAMILIES: readonly FamilyInfo[] = [
  family('String', 'string', true, [
    ['StringEquals', 'equals'],
    ['StringNotEquals', 'equals', true],
    ['StringEqualsIgnoreCase', 'equalsIgnoreCase'],
    ['StringNotEqualsIgnoreCase', 'equalsIgnoreCase', true],
    ['StringLike', 'like'],
    ['StringNotLike', 'like', true],
  ]),
  family('Numeric', 'number', false, ORDERED('Numeric')),
  family('Date', 'date', false, ORDERED('Date')),
  family('Bool', 'boolean', false, [['Bool', 'equals']]),
  family('Binary', 'base64', false, [['BinaryEquals', 'equals']]),
  family('IpAddress', 'cidr', false, [
    ['IpAddress', 'inRange'],
    ['NotIpAddress', 'inRange', true],
  ]),
  // ArnEquals and ArnLike behave the same: both accept wildcards in each ARN segment.
  family('Arn', 'arn', true, [
    ['ArnEquals', 'like'],
    ['ArnLike', 'like'],
    ['ArnNotEquals', 'like', true],
    ['ArnNotLike', 'like', true],
  ]),
  family('Null', 'boolean', false, [['Null', 'isNull']]),
];

const FAMILY_BY_NAME = new Map(OPERATOR_FAMILIES.map((f) => [f.family, f]));

/** Every base operator by its exact name (operator names are case-sensitive). */
export const BASE_OPERATORS: ReadonlyMap<string, BaseOperator> = new Map(
  OPERATOR_FAMILIES.flatMap((f) => f.members.map((m) => [m.name, m] as const)),
);

export function familyInfo(name: OperatorFamily): FamilyInfo {
  return FAMILY_BY_NAME.get(name)!;
}

/** A condition operator as written, taken apart into its base operator and wrappers. */
export interface ParsedOperator {
  readonly text: string;
  readonly family: OperatorFamily;
  readonly base: BaseOperator;
  readonly negated: boolean;
  readonly ifExists: boolean;
  readonly setQualifier: SetQualifier | undefined;
}

/**
 * Parses an operator such as `ForAnyValue:StringNotLikeIfExists`. Returns undefined when the
 * text is not an operator IAM knows. Combinations that are well-formed but ill-advised
 * (`NullIfExists`, `ForAllValues:Null`) are parsed, so that checks can say what is wrong.
 */
export function parseOperator(text: string): ParsedOperator | undefined {
  let rest = text;
  let setQualifier: SetQualifier | undefined;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const prefix = rest.slice(0, colon);
    setQualifier = SET_QUALIFIERS.find((q) => q === prefix);
    if (!setQualifier) return undefined;
    rest = rest.slice(colon + 1);
  }
  let base = BASE_OPERATORS.get(rest);
  let ifExists = false;
  if (!base && rest.endsWith(IF_EXISTS_SUFFIX)) {
    base = BASE_OPERATORS.get(rest.slice(0, -IF_EXISTS_SUFFIX.length));
    ifExists = true;
  }
  if (!base) return undefined;
  return { text, family: base.family, base, negated: base.negated, ifExists, setQualifier };
}
