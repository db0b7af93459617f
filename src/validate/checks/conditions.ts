import type { CheckDefinition } from '../check.ts';

export const conditionsChecks: CheckDefinition[] = [];
