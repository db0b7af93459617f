import { describe, expect, it } from 'vitest';
import { BASE_OPERATORS, OPERATOR_FAMILIES, familyInfo, parseOperator } from './operators.ts';

describe('operator table', () => {
  it('lists the documented base operators of each family', () => {
    const names = (f: string) => OPERATOR_FAMILIES.find((x) => x.family === f)!.members.map((m) => m.name);
    expect(names('String')).toEqual([
      'StringEquals',
      'StringNotEquals',
      'StringEqualsIgnoreCase',
      'StringNotEqualsIgnoreCase',
      'StringLike',
      'StringNotLike',
    ]);
    expect(names('Numeric')).toContain('NumericGreaterThanEquals');
    expect(names('Date')).toContain('DateLessThanEquals');
    expect(names('Bool')).toEqual(['Bool']);
    expect(names('Binary')).toEqual(['BinaryEquals']);
    expect(names('IpAddress')).toEqual(['IpAddress', 'NotIpAddress']);
    expect(names('Arn')).toEqual(['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike']);
    expect(names('Null')).toEqual(['Null']);
    expect(BASE_OPERATORS.size).toBe(6 + 6 + 6 + 1 + 1 + 2 + 4 + 1);
  });

  it('marks the negated operators and their comparisons', () => {
    expect(BASE_OPERATORS.get('StringNotEqualsIgnoreCase')).toMatchObject({
      negated: true,
      comparison: 'equalsIgnoreCase',
    });
    expect(BASE_OPERATORS.get('NotIpAddress')).toMatchObject({ negated: true, comparison: 'inRange' });
    expect(BASE_OPERATORS.get('ArnEquals')).toMatchObject({ negated: false, comparison: 'like' });
    expect(BASE_OPERATORS.get('NumericLessThan')).toMatchObject({ negated: false, comparison: 'lessThan' });
    expect(BASE_OPERATORS.get('Null')).toMatchObject({ negated: false, comparison: 'isNull' });
  });

  it('substitutes variables only for string and ARN operators', () => {
    const withVariables = OPERATOR_FAMILIES.filter((f) => f.supportsVariables).map((f) => f.family);
    expect(withVariables).toEqual(['String', 'Arn']);
    expect(familyInfo('IpAddress').valueFormat).toBe('cidr');
  });
});

describe('parseOperator', () => {
  it('parses a plain operator', () => {
    expect(parseOperator('StringEquals')).toEqual({
      text: 'StringEquals',
      family: 'String',
      base: BASE_OPERATORS.get('StringEquals'),
      negated: false,
      ifExists: false,
      setQualifier: undefined,
    });
  });

  it('parses the set qualifiers and the IfExists suffix together', () => {
    expect(parseOperator('ForAnyValue:StringNotLikeIfExists')).toMatchObject({
      family: 'String',
      base: { name: 'StringNotLike' },
      negated: true,
      ifExists: true,
      setQualifier: 'ForAnyValue',
    });
    expect(parseOperator('ForAllValues:ArnLike')).toMatchObject({
      setQualifier: 'ForAllValues',
      ifExists: false,
    });
    expect(parseOperator('NotIpAddressIfExists')).toMatchObject({ family: 'IpAddress', negated: true });
  });

  it('parses well-formed but ill-advised Null forms so checks can explain them', () => {
    expect(parseOperator('NullIfExists')).toMatchObject({ family: 'Null', ifExists: true });
    expect(parseOperator('ForAllValues:Null')).toMatchObject({
      family: 'Null',
      setQualifier: 'ForAllValues',
    });
  });

  it('rejects unknown operators, wrong case and malformed wrappers', () => {
    for (const text of [
      'StringEqual',
      'stringEquals',
      'StringEqualsIfexists',
      'IfExists',
      'StringEqualsIfExistsIfExists',
      'ForAllValues:ForAnyValue:StringEquals',
      'ForSomeValues:StringEquals',
      'forallvalues:StringEquals',
      'ForAllValues:',
      '',
    ]) {
      expect(parseOperator(text), text).toBeUndefined();
    }
  });
});
