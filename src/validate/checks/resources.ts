import type { CheckDefinition } from '../check.ts';

export const resourcesChecks: CheckDefinition[] = [];
