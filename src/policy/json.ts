// A strict JSON parser that keeps where every value and key came from.
//
// JSON.parse forgets positions and silently keeps the last of duplicate keys; policy findings
// must point at the exact text, as Access Analyzer's spans do, and IAM rejects duplicate keys.
// Nodes record offsets only; line and column are computed on demand (findings are rare,
// parsing is not).

export interface Position {
  /** 1-based line. */
  readonly line: number;
  /** 0-based column, in UTF-16 code units. */
  readonly column: number;
  /** 0-based offset, in UTF-16 code units. */
  readonly offset: number;
}

export interface Span {
  readonly start: Position;
  readonly end: Position;
}

interface NodeBase {
  /** Offset of the first character of the value. */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
}

export interface JsonObject extends NodeBase {
  readonly type: 'object';
  readonly members: JsonMember[];
}

export interface JsonMember {
  readonly key: string;
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly value: JsonNode;
}

export interface JsonArray extends NodeBase {
  readonly type: 'array';
  readonly items: JsonNode[];
}

export interface JsonString extends NodeBase {
  readonly type: 'string';
  readonly value: string;
}

export interface JsonNumber extends NodeBase {
  readonly type: 'number';
  readonly value: number;
  /** The number as written, because IAM compares condition values as text. */
  readonly raw: string;
}

export interface JsonBoolean extends NodeBase {
  readonly type: 'boolean';
  readonly value: boolean;
}

export interface JsonNull extends NodeBase {
  readonly type: 'null';
}

export type JsonNode = JsonObject | JsonArray | JsonString | JsonNumber | JsonBoolean | JsonNull;

export interface DuplicateKey {
  readonly key: string;
  readonly keyStart: number;
  readonly keyEnd: number;
  /** The object holding the duplicates. */
  readonly object: JsonObject;
}

export class JsonSyntaxError extends Error {
  readonly code = 'JSON_SYNTAX';
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** Source text with a line index, to turn offsets into Access Analyzer positions. */
export class SourceText {
  private lineStarts: number[] | undefined;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  position(offset: number): Position {
    const starts = (this.lineStarts ??= computeLineStarts(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]!, offset };
  }

  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
  }
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

export interface ParsedJson {
  readonly root: JsonNode;
  readonly source: SourceText;
  readonly duplicateKeys: DuplicateKey[];
}

/** Parses strict JSON (RFC 8259). Throws JsonSyntaxError naming what was expected and where. */
export function parseJson(text: string): ParsedJson {
  const parser = new Parser(text);
  const root = parser.parseDocument();
  return { root, source: new SourceText(text), duplicateKeys: parser.duplicates };
}

const MAX_DEPTH = 256;

class Parser {
  private pos = 0;
  private depth = 0;
  readonly duplicates: DuplicateKey[] = [];
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  parseDocument(): JsonNode {
    // A UTF-8 byte-order mark is tolerated, as IAM does.
    if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('The document is empty; expected a JSON object');
    const node = this.parseValue();
    this.skipWhitespace();
    if (this.pos < this.text.length)
      this.fail(`Unexpected ${this.describe()} after the end of the JSON value`);
    return node;
  }

  private parseValue(): JsonNode {
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.parseObject();
      case '[':
        return this.parseArray();
      case '"': {
        const start = this.pos;
        const value = this.parseString();
        return { type: 'string', value, start, end: this.pos };
      }
      case 't':
        return { type: 'boolean', value: true, ...this.parseLiteral('true') };
      case 'f':
        return { type: 'boolean', value: false, ...this.parseLiteral('false') };
      case 'n':
        return { type: 'null', ...this.parseLiteral('null') };
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.parseNumber();
        return this.fail(`Expected a JSON value but found ${this.describe()}`);
    }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`JSON nesting deeper than ${MAX_DEPTH} levels`);
  }

  private parseObject(): JsonObject {
    const start = this.pos++;
    this.enter();
    const members: JsonMember[] = [];
    const seen = new Set<string>();
    const node: JsonObject = { type: 'object', members, start, end: start };
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
    } else {
      for (;;) {
        this.skipWhitespace();
        if (this.text[this.pos] !== '"') {
          this.fail(
            this.text[this.pos] === '}'
              ? 'Trailing comma before "}" is not allowed in JSON'
              : `Expected a string key in double quotes but found ${this.describe()}`,
          );
        }
        const keyStart = this.pos;
        const key = this.parseString();
        const keyEnd = this.pos;
        this.skipWhitespace();
        if (this.text[this.pos] !== ':')
          this.fail(`Expected ":" after the key "${key}" but found ${this.describe()}`);
        this.pos++;
        this.skipWhitespace();
        const value = this.parseValue();
        if (seen.has(key)) this.duplicates.push({ key, keyStart, keyEnd, object: node });
        seen.add(key);
        members.push({ key, keyStart, keyEnd, value });
        this.skipWhitespace();
        const c = this.text[this.pos];
        if (c === ',') {
          this.pos++;
          continue;
        }
        if (c === '}') {
          this.pos++;
          break;
        }
        this.fail(`Expected "," or "}" after the value of "${key}" but found ${this.describe()}`);
      }
    }
    this.depth--;
    return Object.assign(node, { end: this.pos });
  }

  private parseArray(): JsonArray {
    const start = this.pos++;
    this.enter();
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
    } else {
      for (;;) {
        this.skipWhitespace();
        if (this.text[this.pos] === ']') this.fail('Trailing comma before "]" is not allowed in JSON');
        items.push(this.parseValue());
        this.skipWhitespace();
        const c = this.text[this.pos];
        if (c === ',') {
          this.pos++;
          continue;
        }
        if (c === ']') {
          this.pos++;
          break;
        }
        this.fail(`Expected "," or "]" in the array but found ${this.describe()}`);
      }
    }
    this.depth--;
    return { type: 'array', items, start, end: this.pos };
  }

  private parseString(): string {
    const open = this.pos++;
    let out = '';
    let chunkStart = this.pos;
    for (;;) {
      if (this.pos >= this.text.length) {
        this.pos = open;
        this.fail('Unterminated string');
      }
      const code = this.text.charCodeAt(this.pos);
      if (code === 34 /* " */) {
        out += this.text.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (code === 92 /* \ */) {
        out += this.text.slice(chunkStart, this.pos);
        out += this.parseEscape();
        chunkStart = this.pos;
        continue;
      }
      if (code < 0x20) this.fail('Control characters must be escaped inside JSON strings');
      this.pos++;
    }
  }

  private parseEscape(): string {
    const c = this.text[this.pos + 1];
    this.pos += 2;
    switch (c) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.pos -= 2;
          this.fail('Invalid \\u escape: expected four hexadecimal digits');
        }
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        this.pos -= 2;
        return this.fail(`Invalid escape sequence "\\${c ?? ''}" in string`);
    }
  }

  private parseNumber(): JsonNumber {
    const start = this.pos;
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = start;
    const match = m.exec(this.text);
    if (!match || match[0] === '-') this.fail('Invalid number');
    const raw = match![0];
    this.pos = start + raw.length;
    return { type: 'number', value: Number(raw), raw, start, end: this.pos };
  }

  private parseLiteral(word: string): { start: number; end: number } {
    if (!this.text.startsWith(word, this.pos))
      return this.fail(`Expected a JSON value but found ${this.describe()}`);
    const start = this.pos;
    this.pos += word.length;
    return { start, end: this.pos };
  }

  private skipWhitespace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.pos++;
      else if (c === 47 /* / */ && (this.text[this.pos + 1] === '/' || this.text[this.pos + 1] === '*')) {
        this.fail('Comments are not allowed in JSON policy documents');
      } else return;
    }
  }

  private describe(): string {
    if (this.pos >= this.text.length) return 'the end of the document';
    const ch = this.text[this.pos]!;
    return ch === "'" ? 'a single quote (JSON strings use double quotes)' : `"${ch}"`;
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(message, this.pos);
  }
}

/** The plain JavaScript value of a node (what JSON.parse would return, first duplicate key wins last). */
export function toValue(node: JsonNode): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      // defineProperty, not assignment: a "__proto__" key must stay data, not replace the prototype.
      for (const m of node.members) {
        Object.defineProperty(out, m.key, {
          value: toValue(m.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    case 'array':
      return node.items.map(toValue);
    case 'null':
      return null;
    default:
      return node.value;
  }
}
