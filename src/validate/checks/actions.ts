import type { CheckDefinition } from '../check.ts';

export const actionsChecks: CheckDefinition[] = [];
