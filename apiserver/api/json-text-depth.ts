// How deeply JSON text nests, measured before it is parsed: the request body reader and the
// protobuf decoder's embedded JSON both refuse a document nested past kube's limit without
// handing it to JSON.parse first.

/** The deepest nesting of [ and { in JSON text (outside strings), without parsing it. */
export function jsonTextDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}
