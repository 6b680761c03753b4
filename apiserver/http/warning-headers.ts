// Warning headers as kube-apiserver writes them (its warning recorder and net.NewWarningHeader):
// `Warning: 299 - "unknown field \"spec.x\""`, one per distinct text in the order added; once the
// texts pass 4096 runes in all, every one is cut to 256 runes.
import type { ServerResponse } from 'node:http';

const TRUNCATE_AT_TOTAL_RUNES = 4 * 1024;
const TRUNCATE_ITEM_RUNES = 256;

/** net.NewWarningHeader(299, "-", text): the text quoted, `"` and `\` escaped. */
export function warningHeader(text: string): string {
  let quoted = '"';
  for (const ch of text) quoted += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
  return `299 - ${quoted}"`;
}

/**
 * The header values for these warnings (deduplicated, truncated as upstream), made safe for Node:
 * the text's UTF-8 bytes, control characters as spaces.
 */
export function warningHeaderValues(texts: readonly string[]): string[] {
  const distinct = [...new Set(texts.filter((t) => t !== ''))];
  const runes = (t: string): number => Array.from(t).length;
  const total = distinct.reduce((n, t) => n + runes(t), 0);
  const cut = total > TRUNCATE_AT_TOTAL_RUNES;
  let written = 0;
  const out: string[] = [];
  for (const text of distinct) {
    const chars = Array.from(text);
    const shown = cut && chars.length > TRUNCATE_ITEM_RUNES ? chars.slice(0, TRUNCATE_ITEM_RUNES).join('') : text;
    if (cut && written >= TRUNCATE_AT_TOTAL_RUNES) break;
    written += runes(shown);
    // eslint-disable-next-line no-control-regex
    out.push(Buffer.from(warningHeader(shown), 'utf8').toString('latin1').replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ' '));
  }
  return out;
}

/** Adds the warnings to a response whose head is not written yet. */
export function setWarningHeaders(res: ServerResponse, texts: readonly string[]): void {
  if (texts.length === 0 || res.headersSent) return;
  const values = warningHeaderValues(texts);
  if (values.length > 0) res.setHeader('Warning', values);
}
