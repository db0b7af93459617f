export { Catalog, getCatalog, ACCESS_LEVELS } from './catalog.ts';
export type {
  AccessLevel,
  ActionInfo,
  ActionResourceType,
  ConditionKeyInfo,
  ConditionKeyType,
  ResourceTypeInfo,
  ServiceInfo,
} from './catalog.ts';
export {
  PRIVILEGE_ESCALATION_ACTIONS,
  PRIVILEGE_ESCALATION_COMBINATIONS,
  CREDENTIALS_EXPOSURE_ACTIONS,
  DATA_EXFILTRATION_ACTIONS,
  RESOURCE_EXPOSURE_ACTIONS,
  privilegeEscalationAction,
  credentialsExposureAction,
  dataExfiltrationAction,
  resourceExposureAction,
  riskCategoriesOf,
  combinationsInvolving,
} from './risk.ts';
export type {
  RiskCategory,
  RiskyAction,
  PrivilegeEscalationAction,
  CredentialsExposureAction,
  PrivilegeEscalationCombination,
} from './risk.ts';
