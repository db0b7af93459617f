import type { CheckDefinition } from '../check.ts';

export const securityChecks: CheckDefinition[] = [];
