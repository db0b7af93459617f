import { describe, expect, it } from 'vitest';
import { scanVariables, substituteVariables } from './variables.ts';

describe('scanVariables', () => {
  it('finds variables with their offsets, defaults and escapes', () => {
    const { variables, unterminated } = scanVariables(
      "a/${aws:username}/${aws:PrincipalTag/team, 'none'}/${*}",
    );
    expect(variables.map((v) => [v.start, v.name, v.defaultValue, v.isEscape])).toEqual([
      [2, 'aws:username', undefined, false],
      [18, 'aws:PrincipalTag/team', 'none', false],
      [51, '*', undefined, true],
    ]);
    expect(unterminated).toEqual([]);
  });

  it('reports an unterminated variable', () => {
    expect(scanVariables('a/${aws:username').unterminated).toEqual([2]);
  });
});

describe('substituteVariables', () => {
  const ctx: Record<string, string> = { 'aws:username': 'alice' };
  const lookup = (k: string) => ctx[k];

  it('replaces known keys and uses defaults for missing ones', () => {
    expect(substituteVariables('home/${aws:username}/*', lookup)).toBe('home/alice/*');
    expect(substituteVariables("t/${aws:PrincipalTag/team, 'none'}", lookup)).toBe('t/none');
  });

  it('makes the value unmatchable when a key is missing and has no default', () => {
    expect(substituteVariables('t/${aws:PrincipalTag/team}', lookup)).toBeUndefined();
  });

  it('leaves strings without variables alone', () => {
    expect(substituteVariables('plain', lookup)).toBe('plain');
  });
});
