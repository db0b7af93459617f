export { validatePolicy } from './validate.ts';
export type { ValidationResult } from './validate.ts';
export { ALL_CHECKS } from './registry.ts';
export { defineCheck, at, substringOf } from './check.ts';
export type {
  CheckContext,
  CheckDefinition,
  CheckFamily,
  ExpandedAction,
  PolicyKind,
  Report,
  Target,
  ValidateOptions,
} from './check.ts';
export { FINDING_TYPES, awsCheckLink, grantflowCheckLink } from './finding.ts';
export type { Finding, FindingType, Location } from './finding.ts';
