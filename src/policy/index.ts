export { parseJson, SourceText, JsonSyntaxError, toValue } from './json.ts';
export type {
  JsonNode,
  JsonObject,
  JsonArray,
  JsonString,
  JsonNumber,
  JsonMember,
  ParsedJson,
  Position,
  Span,
  DuplicateKey,
} from './json.ts';
export { parsePolicy, readPolicy, readValueList, effectOf, POLICY_TYPES } from './model.ts';
export type {
  Policy,
  PolicyType,
  Statement,
  PolicyString,
  ValueList,
  PrincipalElement,
  PrincipalEntry,
  PrincipalType,
  ConditionEntry,
  ConditionValue,
  Path,
  PathElement,
} from './model.ts';
export { parseArn, formatArn, arnMatches, isAccountId, PARTITIONS } from './arn.ts';
export type { Arn } from './arn.ts';
export {
  wildcardToRegExp,
  matchesWildcard,
  actionMatches,
  hasWildcard,
  wildcardCovers,
  wildcardsIntersect,
} from './wildcard.ts';
export { scanVariables, substituteVariables } from './variables.ts';
export type { PolicyVariable, VariableScan } from './variables.ts';
export {
  BASE_OPERATORS,
  IF_EXISTS_SUFFIX,
  OPERATOR_FAMILIES,
  SET_QUALIFIERS,
  familyInfo,
  parseOperator,
} from './operators.ts';
export type {
  BaseOperator,
  Comparison,
  FamilyInfo,
  OperatorFamily,
  ParsedOperator,
  SetQualifier,
} from './operators.ts';
