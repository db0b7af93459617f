import type { CheckDefinition } from '../check.ts';

export const principalsChecks: CheckDefinition[] = [];
