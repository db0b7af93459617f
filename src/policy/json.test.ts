import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJson, SourceText, toValue } from './json.ts';

const syntaxError = (text: string): JsonSyntaxError => {
  try {
    parseJson(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) return err;
    throw err;
  }
  throw new Error('expected a syntax error');
};

describe('parseJson', () => {
  it('parses every JSON type to the same values as JSON.parse', () => {
    const text = '{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n\\"q\\""], "b": {"c": {}}, "d": []}';
    expect(toValue(parseJson(text).root)).toEqual(JSON.parse(text));
  });

  it('records offsets of values and keys', () => {
    const { root } = parseJson('{\n  "Effect": "Allow"\n}');
    if (root.type !== 'object') throw new Error('object expected');
    const m = root.members[0]!;
    expect([m.keyStart, m.keyEnd]).toEqual([4, 12]);
    expect([m.value.start, m.value.end]).toEqual([14, 21]);
  });

  it('keeps numbers as written', () => {
    const { root } = parseJson('[1.50, 10]');
    if (root.type !== 'array' || root.items[0]!.type !== 'number') throw new Error('array expected');
    expect(root.items[0]!.raw).toBe('1.50');
  });

  it('reports duplicate keys and keeps both members', () => {
    const parsed = parseJson('{"Effect": "Allow", "Effect": "Deny"}');
    expect(parsed.duplicateKeys.map((d) => d.key)).toEqual(['Effect']);
    expect(parsed.duplicateKeys[0]!.keyStart).toBe(20);
  });

  it.each([
    ['{"a": 1,}', 'Trailing comma'],
    ['[1,]', 'Trailing comma'],
    ["{'a': 1}", 'single quote'],
    ['{"a" 1}', 'Expected ":"'],
    ['{"a": 1 "b": 2}', 'Expected "," or "}"'],
    ['{"a": "unterminated}', 'Unterminated string'],
    ['{"a": tru}', 'Expected a JSON value'],
    ['{"a": 01}', 'Expected "," or "}"'],
    ['{"a": "\\x"}', 'Invalid escape'],
    ['{} {}', 'after the end'],
    ['', 'empty'],
    ['{"a": 1} // note', 'Comments'],
    ['{"a": "tab\there"}', 'Control characters'],
  ])('rejects %j with a message naming the problem', (text, message) => {
    expect(syntaxError(text).message).toContain(message);
  });

  it('points the error at the offending character', () => {
    const err = syntaxError('{\n  "a": 1,\n}');
    const pos = new SourceText('{\n  "a": 1,\n}').position(err.offset);
    expect(pos).toEqual({ line: 3, column: 0, offset: 12 });
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(syntaxError('['.repeat(100_000)).message).toContain('nesting deeper');
  });

  it('keeps a "__proto__" key as data', () => {
    const value = toValue(parseJson('{"__proto__": {"polluted": true}, "a": 1}').root) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('tolerates a byte-order mark', () => {
    expect(toValue(parseJson('\ufeff{"a": 1}').root)).toEqual({ a: 1 });
  });
});

describe('SourceText', () => {
  it('maps offsets to 1-based lines and 0-based columns across \\n, \\r\\n and \\r', () => {
    const s = new SourceText('ab\ncd\r\nef\rgh');
    expect(s.position(0)).toEqual({ line: 1, column: 0, offset: 0 });
    expect(s.position(4)).toEqual({ line: 2, column: 1, offset: 4 });
    expect(s.position(7)).toEqual({ line: 3, column: 0, offset: 7 });
    expect(s.position(11)).toEqual({ line: 4, column: 1, offset: 11 });
  });
});
