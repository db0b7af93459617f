import { describe, expect, it } from 'vitest';
import { RequestReader, isSpecial } from './batch-request.ts';
import { readRequest } from './batch.ts';

/** What the general path makes of a request's text: the request, or undefined when it fails. */
function general(text: string): Record<string, unknown> | undefined {
  try {
    return readRequest(JSON.parse(text)) as unknown as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * The reader's request for a text placed between `before` and `after`, without its undefined
 * fields (as JSON.parse would give it), and the part of the text it read.
 */
function read(
  reader: RequestReader,
  text: string,
  before = '',
  after = '',
): { request: Record<string, unknown>; text: string } | undefined {
  const bytes = Buffer.from(`${before}${text}${after}`);
  const at = Buffer.byteLength(before);
  const r = reader.read(bytes, at, bytes.length);
  if (r === undefined) return undefined;
  return {
    request: Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)),
    text: bytes.toString('utf8', at, reader.pos),
  };
}

/**
 * The reader agrees with the general path: what it reads (the whole text, or a value at its start:
 * the batch evaluator then checks that the line goes on as the previous one did), JSON.parse and
 * readRequest read alike.
 */
function agrees(reader: RequestReader, text: string, after = ''): Record<string, unknown> | undefined {
  const mine = read(reader, text, '{"request":', after);
  if (mine === undefined) return undefined;
  expect(mine.request, text).toStrictEqual(general(mine.text));
  return mine.text === text ? mine.request : undefined;
}

const BASE = '"principal":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject","resource":"*"';
const withContext = (context: string) => `{${BASE},"context":${context}}`;

describe('RequestReader', () => {
  it('reads the usual shapes, equal to JSON.parse', () => {
    const reader = new RequestReader();
    const texts = [
      `{${BASE}}`,
      withContext('{}'),
      withContext('{"aws:SourceIp":"203.0.113.9","aws:PrincipalTag/team":"payments"}'),
      withContext('{"aws:MultiFactorAuthAge":300,"aws:SecureTransport":true,"aws:ViaAWSService":false}'),
      withContext('{"aws:TagKeys":["a","b"],"n":[1,-2.5e3,true],"empty":[]}'),
      `{"principal":"arn:aws:sts::111122223333:assumed-role/R/s","principalKind":"role-session","sessionIssuer":"arn:aws:iam::111122223333:role/p/R","action":"sts:TagSession","resource":"*","resourceAccount":"444455556666"}`,
      `{ "principal" : "arn:aws:iam::111122223333:root" ,\t"action":"s3:ListBucket", "resource":"arn:aws:s3:::b" , "context" : { "k" : [ 1 , 2 ] } }`,
      // Non-ASCII text and escapes: decoded as JSON.parse decodes them.
      withContext(
        '{"aws:PrincipalTag/팀":"결제","é":"caf\\u00e9","q":"a\\"b\\\\c\\/d\\n","emoji":"😀\\ud83d\\ude00"}',
      ),
      `{"principal":"arn:aws:iam::111122223333:user/Zoë","action":"s3:GetObject","resource":"arn:aws:s3:::b/\\u2603"}`,
      // An empty session issuer and resource account are strings readRequest takes.
      `{${BASE},"sessionIssuer":"","resourceAccount":""}`,
      // Keys JSON.parse makes own members of, whatever Object.prototype has.
      withContext('{"constructor":"c","toString":"t","hasOwnProperty":"h","1":"one","0":"zero"}'),
    ];
    for (const text of texts) {
      expect(agrees(reader, text, ',"identityPolicies":[]}'), text).toBeDefined();
      // Read again: values now come from the tables, and are the same.
      expect(agrees(reader, text, '}'), text).toBeDefined();
    }
  });

  it('gives the numbers JSON.parse gives', () => {
    const reader = new RequestReader();
    const numbers = ['0', '-0', '1', '-1', '10', '1.5', '-0.25', '1e3', '1E-7', '2.5e+2', '1e400', '-1e-400'];
    numbers.push('123456789012345678901234567890', '0.1000000000000000055511151231257827', '5e-324');
    for (const n of numbers) {
      const r = agrees(reader, withContext(`{"n":${n},"l":[${n}]}`));
      expect(r, n).toBeDefined();
      const context = r!.context as { n: number; l: number[] };
      expect(Object.is(context.n, JSON.parse(n))).toBe(true);
      expect(Object.is(context.l[0], JSON.parse(n))).toBe(true);
    }
  });

  it('leaves to the general path what it does not read, and never reads what JSON.parse refuses', () => {
    const reader = new RequestReader();
    const texts = [
      // Not JSON.
      '{',
      `{${BASE}`,
      `{${BASE},}`,
      `{${BASE} "context":{}}`,
      `{"principal":'x',"action":"s3:GetObject","resource":"*"}`,
      withContext('{"n":01}'),
      withContext('{"n":.5}'),
      withContext('{"n":1.}'),
      withContext('{"n":+1}'),
      withContext('{"n":-}'),
      withContext('{"n":1e}'),
      withContext('{"n":NaN}'),
      withContext('{"n":Infinity}'),
      withContext('{"n":tru}'),
      withContext('{"n":truex}'),
      withContext('{"n":nul}'),
      withContext('{"a":"tab\there"}'),
      withContext('{"a":"bad \\x escape"}'),
      withContext('{"a":"bad \\u12 escape"}'),
      withContext('{"a":"unclosed}'),
      withContext('{"a":[1,2}'),
      withContext('{"a":[1,]}'),
      withContext('{"a":1,}'),
      withContext('{"a" 1}'),
      withContext('{,}'),
      // JSON that readRequest refuses.
      '{}',
      '[]',
      '"text"',
      `{${BASE},"extra":1}`,
      // Names that begin or extend a field's name.
      `{${BASE},"principa":"x"}`,
      `{${BASE},"principalKinds":"user"}`,
      `{${BASE},"resourceAccountId":"111122223333"}`,
      `{${BASE},"resourc":"x"}`,
      `{${BASE},"":"x"}`,
      `{${BASE},"contexts":{}}`,
      `{"principalKind":"user","principa":"x","action":"s3:GetObject","resource":"*"}`,
      `{"principal":"","action":"s3:GetObject","resource":"*"}`,
      `{"principal":1,"action":"s3:GetObject","resource":"*"}`,
      `{"action":"s3:GetObject","resource":"*"}`,
      `{${BASE},"principalKind":"robot"}`,
      `{${BASE},"principalKind":""}`,
      `{${BASE},"sessionIssuer":null}`,
      `{${BASE},"resourceAccount":1}`,
      `{${BASE},"context":null}`,
      `{${BASE},"context":[]}`,
      `{${BASE},"context":"k=v"}`,
      withContext('{"k":null}'),
      withContext('{"k":{"nested":1}}'),
      withContext('{"k":[[1]]}'),
      withContext('{"k":[null]}'),
      withContext('{"k":[{}]}'),
      // JSON the reader leaves to JSON.parse: duplicate keys (the last one wins there), escaped
      // field names, __proto__, carriage returns.
      `{${BASE},"action":"s3:PutObject"}`,
      withContext('{"k":"1","k":"2"}'),
      withContext('{"__proto__":"x"}'),
      `{"princip\\u0061l":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject","resource":"*"}`,
      `{\r${BASE}}`,
    ];
    for (const text of texts) {
      const mine = read(reader, text, '{"request":', '}');
      if (mine !== undefined) expect(mine.request, text).toStrictEqual(general(mine.text));
      if (general(text) === undefined) expect(mine?.text === text, text).toBe(false);
    }
    expect(read(reader, withContext('{"k":"1","k":"2"}'))).toBeUndefined();
    expect(read(reader, withContext('{"__proto__":"x"}'))).toBeUndefined();
  });

  it('stops at the limit it is given', () => {
    const reader = new RequestReader();
    const text = withContext('{"k":"v"}');
    const bytes = Buffer.from(text);
    for (let limit = 0; limit < bytes.length; limit++) expect(reader.read(bytes, 0, limit)).toBeUndefined();
    expect(reader.read(bytes, 0, bytes.length)).toBeDefined();
    // A string cut by the limit is not read as far as the next line.
    const lines = Buffer.from(`{${BASE.slice(0, 20)}\n${BASE.slice(20)}}`);
    expect(reader.read(lines, 0, lines.indexOf(10))).toBeUndefined();
  });

  it('keeps a context given again as the same object, and tells different ones apart', () => {
    const reader = new RequestReader();
    const a = reader.read(Buffer.from(withContext('{"k":"a"}')), 0, 1000)!.context;
    const b = reader.read(Buffer.from(withContext('{"k":"b"}')), 0, 1000)!.context;
    const again = reader.read(Buffer.from(withContext('{"k":"a"}')), 0, 1000)!.context;
    expect(a).toEqual({ k: 'a' });
    expect(b).toEqual({ k: 'b' });
    expect(again).toBe(a);
  });

  it('finds a value again only by the bytes that end it', () => {
    const reader = new RequestReader();
    // Values that do not end at their first quote or brace are read in full every time, alike.
    const texts = [
      withContext('{"k":"a}b","n":1}'),
      withContext('{"k":"say \\"hi\\"","j":"}"}'),
      `{"principal":"arn:aws:iam::111122223333:user/a\\"b","action":"s3:GetObject","resource":"*"}`,
      withContext('{"k":"a\\\\"}'),
    ];
    for (let round = 0; round < 3; round++) {
      for (const text of texts) expect(agrees(reader, text, '}'), text).toBeDefined();
    }
    // A value read before, followed by more than its text: the first quote or brace is not the end.
    expect(agrees(reader, `{${BASE},"context":{"k":"a"}}`, '}')).toBeDefined();
    for (const text of [
      `{"principal":"arn:aws:iam::111122223333:user/alice"x","action":"s3:GetObject","resource":"*"}`,
      `{${BASE},"context":{"k":"a"}}}`,
      `{${BASE},"context":{"k":"a"},}`,
    ]) {
      const mine = read(reader, text, '{"request":', '}');
      expect(mine?.text === text, text).toBe(false);
    }
  });

  it('agrees with JSON.parse on random requests, and on random damage to them', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const pieces = [
      'a',
      'Z',
      '0',
      ':',
      '/',
      '*',
      ' ',
      'é',
      '한',
      '😀',
      '"',
      '\\',
      '\n',
      '\t',
      '\u0001',
      '\u007f',
    ];
    const text = () => Array.from({ length: rand(40) }, () => pieces[rand(pieces.length)]).join('');
    const scalar = (): unknown => [text(), rand(2000) - 1000, rand(100) / 7, true, false][rand(5)];
    const reader = new RequestReader();
    let readCount = 0;
    for (let i = 0; i < 3000; i++) {
      const request: Record<string, unknown> = {
        principal: text() || 'p',
        action: text() || 'a',
        resource: text() || 'r',
      };
      if (rand(3) === 0) request.sessionIssuer = text();
      if (rand(4) === 0) request.principalKind = ['user', 'role', 'service', 'robot'][rand(4)];
      if (rand(2) === 0) {
        const context: Record<string, unknown> = {};
        for (let k = rand(5); k > 0; k--) context[text()] = rand(3) === 0 ? [scalar(), scalar()] : scalar();
        request.context = context;
      }
      let json = JSON.stringify(request, null, rand(3) === 0 ? '\t' : undefined).replaceAll('\n', ' ');
      if (rand(2) === 0) {
        // Damage: cut, double, or change a character.
        const at = rand(json.length);
        const c = json[rand(json.length)]!;
        json = [
          json.slice(0, at),
          json.slice(0, at) + c + json.slice(at),
          json.slice(0, at) + c + json.slice(at + 1),
        ][rand(3)]!;
      }
      if (agrees(reader, json, '}') !== undefined) readCount++;
    }
    // Most undamaged requests are read by the reader itself (not left to JSON.parse).
    expect(readCount).toBeGreaterThan(1000);
  });

  it('finds strings again among many that collide or share their bytes', () => {
    const reader = new RequestReader();
    // Long values differing only in bytes the hash does not read: they all have the same hash.
    const values = Array.from(
      { length: 3000 },
      (_, i) => `arn:${String(i).padStart(6, '0')}${'x'.repeat(90)}`,
    );
    // And many short ones, more than the table keeps.
    for (let i = 0; i < 5000; i++) values.push(`v${i}`);
    for (let round = 0; round < 2; round++) {
      for (const v of values) {
        const r = reader.read(Buffer.from(`{${BASE.replace('"*"', JSON.stringify(v))}}`), 0, 1000);
        expect(r?.resource).toBe(v);
      }
    }
  });
});

describe('isSpecial', () => {
  it('tells whether any of four bytes is a quote, a backslash, a control character or not ASCII', () => {
    const bytes = [
      0x00, 0x01, 0x09, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x41, 0x5b, 0x5c, 0x5d, 0x7e, 0x7f, 0x80, 0xc3, 0xff,
    ];
    const special = (b: number) => b === 0x22 || b === 0x5c || b < 0x20 || b > 0x7f;
    const wrong: number[][] = [];
    for (const a of bytes)
      for (const b of bytes)
        for (const c of bytes)
          for (const d of bytes) {
            const w = a | (b << 8) | (c << 16) | (d << 24);
            if (isSpecial(w) !== (special(a) || special(b) || special(c) || special(d)))
              wrong.push([a, b, c, d]);
          }
    expect(wrong).toEqual([]);
  });
});
