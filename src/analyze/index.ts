// analyze/: reasoning on top of evaluate about an account's principals: each principal's compiled
// policy set, whether SOME request it could make is allowed (the prober), who is an administrator,
// how privilege-escalation actions are used, and the evidence (policy statements with spans) for
// each conclusion. Pure: the account comes in as a snapshot, the time as an argument. audit/ turns
// these answers into findings.
export { loadDocument, accountOf, partitionOf } from './account.ts';
export type {
  AccountSnapshot,
  CredentialReport,
  CredentialReportRow,
  Entity,
  GroupEntity,
  InlinePolicy,
  LoadedDocument,
  ManagedPolicy,
  RoleEntity,
  UserEntity,
} from './account.ts';
export type { PolicyEvidence } from './evidence.ts';
export {
  IDENTITY_TYPE,
  RESOURCE_TYPE,
  BOUNDARY_TYPE,
  OTHER_VALUE,
  Prober,
  candidateValues,
} from './prober.ts';
export type { CoveringStatement, Grant, ProbeSubject } from './prober.ts';
export { Principals, fixedContext, grantEvidence } from './principals.ts';
export type { Principal, PolicySource, UnreadablePolicy } from './principals.ts';
export { AccountAnalysis, ANY_ACTION } from './analysis.ts';
export type { AdminKind } from './analysis.ts';
export { PROBE_NAME, PROBE_REGION, ProbeResources, fillTemplate, instantiatePattern } from './resources.ts';
export type { ResourceScope } from './resources.ts';
export { ESCALATION_METHODS, escalationMethod, standaloneMethods } from './escalation-methods.ts';
export type { EscalationMethod, EscalationReach } from './escalation-methods.ts';
