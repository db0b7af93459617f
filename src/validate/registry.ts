// Every check, grouped by family. Adding a check is adding it to its family's list.
import type { CheckDefinition } from './check.ts';
import { actionsChecks } from './checks/actions.ts';
import { conditionsChecks } from './checks/conditions.ts';
import { organizationsChecks } from './checks/organizations.ts';
import { principalsChecks } from './checks/principals.ts';
import { resourcesChecks } from './checks/resources.ts';
import { securityChecks } from './checks/security.ts';
import { structureChecks } from './checks/structure.ts';
import { variablesChecks } from './checks/variables.ts';

export const ALL_CHECKS: readonly CheckDefinition[] = [
  ...structureChecks,
  ...actionsChecks,
  ...resourcesChecks,
  ...conditionsChecks,
  ...principalsChecks,
  ...variablesChecks,
  ...organizationsChecks,
  ...securityChecks,
];
