// Go's RE2 patterns (a schema's `pattern`) run with JavaScript's RegExp: RE2-only syntax is
// translated (leading `(?i)` flags, `(?P<name>`, `\A`, `\z`, POSIX classes, `\pL`) and what RE2
// refuses (look-around, back-references) is refused, in the words of Go's regexp/syntax errors.
// Compiled patterns are cached. Pure.

const POSIX: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-/:-@[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

export type CompiledPattern = { re: RegExp; error?: undefined } | { re?: undefined; error: string };

const cache = new Map<string, CompiledPattern>();

function translate(pattern: string): { source: string; flags: string } | { error: string } {
  let source = pattern;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead !== null) {
    for (const f of lead[1] ?? '') if ((f === 'i' || f === 's' || f === 'm') && !flags.includes(f)) flags += f;
    source = source.slice(lead[0].length);
  }
  const look = /\(\?<?[=!]/.exec(source);
  if (look !== null) return { error: `error parsing regexp: invalid or unsupported Perl syntax: \`${look[0]}\`` };
  const backref = /(^|[^\\])(\\\\)*\\([1-9])/.exec(source);
  if (backref !== null) return { error: `error parsing regexp: invalid escape sequence: \`\\${backref[3] ?? ''}\`` };
  source = source
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$')
    .replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) => {
      const cls = POSIX[name];
      return cls === undefined ? m : neg === '^' ? `^${cls}` : cls;
    })
    .replace(/\\([pP])([A-Z])/g, '\\$1{$2}');
  return { source, flags };
}

/** Go's wording for a pattern JavaScript refuses. */
function goError(pattern: string, err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const rep = /^([^\\]*?)([*+?])/.exec(pattern);
  if (/Nothing to repeat/i.test(text)) {
    const op = rep?.[2] ?? pattern.replace(/^.*?([*+?{])/, '$1').charAt(0);
    return `error parsing regexp: missing argument to repetition operator: \`${op}\``;
  }
  if (/Unterminated group|Unmatched '\('/i.test(text)) return `error parsing regexp: missing closing ): \`${pattern}\``;
  if (/Unmatched '\)'/i.test(text)) return `error parsing regexp: unexpected ): \`${pattern}\``;
  if (/Unterminated character class/i.test(text)) return `error parsing regexp: missing closing ]: \`${pattern.slice(pattern.lastIndexOf('['))}\``;
  if (/Range out of order/i.test(text)) return `error parsing regexp: invalid character class range: \`${pattern}\``;
  return `error parsing regexp: invalid or unsupported Perl syntax: \`${pattern}\``;
}

/** The pattern compiled, or Go's error for it. */
export function compileGoPattern(pattern: string): CompiledPattern {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let out: CompiledPattern;
  const t = translate(pattern);
  if ('error' in t) {
    out = { error: t.error };
  } else {
    try {
      out = { re: new RegExp(t.source, `${t.flags}u`) };
    } catch {
      try {
        out = { re: new RegExp(t.source, t.flags) };
      } catch (err) {
        out = { error: goError(pattern, err) };
      }
    }
  }
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, out);
  return out;
}
