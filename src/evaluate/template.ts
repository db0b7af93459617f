// Policy variables in Resource, NotResource and string/ARN condition values (Version 2012-10-17
// only). `${key}` takes the request's value for the key, `${key, 'default'}` falls back to the
// default, and `${*}`, `${?}`, `${$}` are those characters taken literally. Substituted text is
// always literal: a value holding `*` is not a wildcard. A key the request lacks (with no default)
// leaves the element unmatched. A multivalued key cannot be substituted unless it has one value.
import { scanVariables } from '../policy/index.ts';
import type { Glob, GlobPart } from './glob.ts';
import { compileGlob, glob } from './glob.ts';
import { contextKey, lookup } from './state.ts';
import type { ContextKey, EvalState } from './state.ts';

type TemplatePart =
  | { readonly text: string; readonly literal: boolean }
  | { readonly key: ContextKey; readonly defaultValue: string | undefined };

export class Template {
  readonly text: string;
  private readonly parts: readonly TemplatePart[];
  /** Compiled patterns by the variables' values (a template is used with one `arn` setting). */
  private readonly globs = new Map<string, Glob>();
  /** Scratch for the variables' values, in order. */
  private readonly values: string[];

  constructor(text: string, parts: readonly TemplatePart[]) {
    this.text = text;
    this.parts = parts;
    this.values = parts.filter((p) => 'key' in p).map(() => '');
  }

  /** Fills `values`; false when a variable has no value. */
  private resolve(st: EvalState): boolean {
    let j = 0;
    for (const part of this.parts) {
      if (!('key' in part)) continue;
      const value = variableValue(st, part.key) ?? part.defaultValue;
      if (value === undefined) return false;
      this.values[j++] = value;
    }
    return true;
  }

  /** The substituted text (for equality comparisons), or undefined. */
  substitute(st: EvalState): string | undefined {
    if (!this.resolve(st)) return undefined;
    let out = '';
    let j = 0;
    for (const part of this.parts) out += 'key' in part ? this.values[j++] : part.text;
    return out;
  }

  /** The substituted pattern (for wildcard matching), or undefined. */
  glob(st: EvalState, arn: boolean): Glob | undefined {
    if (!this.resolve(st)) return undefined;
    // One variable, the usual case, is its own cache key: nothing is built for a pattern seen before.
    const cacheKey = this.values.length === 1 ? this.values[0]! : this.values.join('\u0000');
    let g = this.globs.get(cacheKey);
    if (g === undefined) {
      let j = 0;
      const parts: GlobPart[] = this.parts.map((part) =>
        'key' in part ? { text: this.values[j++]!, literal: true } : part,
      );
      g = compileGlob(parts, arn);
      if (this.globs.size >= 1000) this.globs.clear();
      this.globs.set(cacheKey, g);
    }
    return g;
  }
}

function variableValue(st: EvalState, key: ContextKey): string | undefined {
  const v = lookup(st, key);
  if (v === undefined) {
    st.trace?.missingKey(key);
    return undefined;
  }
  if (Array.isArray(v)) return v.length === 1 ? String(v[0]) : undefined;
  return String(v);
}

/** A Template when the text holds variables, else undefined. */
export function template(text: string): Template | undefined {
  if (!text.includes('${')) return undefined;
  const { variables } = scanVariables(text);
  if (variables.length === 0) return undefined;
  const parts: TemplatePart[] = [];
  let from = 0;
  for (const v of variables) {
    if (v.start > from) parts.push({ text: text.slice(from, v.start), literal: false });
    if (v.isEscape) parts.push({ text: v.name, literal: true });
    else parts.push({ key: contextKey(v.name), defaultValue: v.defaultValue });
    from = v.start + v.length;
  }
  if (from < text.length) parts.push({ text: text.slice(from), literal: false });
  return new Template(text, parts);
}

/** A Resource/NotResource entry: a fixed pattern, or one with variables. */
export type ResourcePattern = Glob | Template;

export function resourcePattern(text: string, variables: boolean): ResourcePattern {
  return (variables ? template(text) : undefined) ?? glob(text, true);
}
