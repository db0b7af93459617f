import { describe, expect, it } from 'vitest';
import { PRIVILEGE_ESCALATION_ACTIONS, PRIVILEGE_ESCALATION_COMBINATIONS } from '../catalog/index.ts';
import { ESCALATION_METHODS, escalationMethod, standaloneMethods } from './escalation-methods.ts';

describe('escalation methods', () => {
  it('say how every escalation action of the catalog is used', () => {
    const known = new Set(ESCALATION_METHODS.map((m) => m.action));
    const missing = PRIVILEGE_ESCALATION_ACTIONS.map((a) => a.action).filter((a) => !known.has(a));
    expect(missing).toEqual([]);
    expect(standaloneMethods().map((m) => m.action)).not.toContain('iam:PassRole');
  });

  it('leave iam:PassRole to the combinations, each of which starts with it', () => {
    expect(escalationMethod('iam:passrole').reach).toBe('combination');
    for (const combo of PRIVILEGE_ESCALATION_COMBINATIONS) expect(combo.steps[0]).toEqual(['iam:PassRole']);
  });

  it('check an action the table does not know on any resource', () => {
    expect(escalationMethod('newservice:RunThings')).toMatchObject({ reach: 'existing-resources' });
  });
});
