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
