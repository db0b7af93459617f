import type { CheckDefinition } from '../check.ts';

export const variablesChecks: CheckDefinition[] = [];
