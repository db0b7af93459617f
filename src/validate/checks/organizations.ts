import type { CheckDefinition } from '../check.ts';

export const organizationsChecks: CheckDefinition[] = [];
