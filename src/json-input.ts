// JSON from outside (facts files, the inventory, standard input, API answers) read with a bound
// on nesting: JSON.parse itself copes with 100,000 levels, but everything that walks the result
// afterwards (schema validation, printing) recurses and overflows the stack.
import { InputError, locationOf } from './errors.js';

/** Deeper than any document we read (HostFacts is 6 levels, an API answer fewer than 20). */
export const MAX_JSON_DEPTH = 100;

/** The offset where nesting first exceeds maxDepth (strings skipped), or -1. */
export function jsonDepthExceededAt(text: string, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

function lineColAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * JSON.parse with the depth bounded; errors are InputErrors at file:line:col
 * (codes json-too-deep, json-invalid). With file '' the line is kept for InputError.inFile.
 */
export function parseJsonInput(
  text: string,
  file: string,
  hint = 'give a JSON document of the expected kind',
  maxDepth = MAX_JSON_DEPTH,
): unknown {
  const deep = jsonDepthExceededAt(text, maxDepth);
  if (deep >= 0) {
    const { line, column } = lineColAt(text, deep);
    throw new InputError(
      'json-too-deep',
      `JSON nested more than ${maxDepth} levels deep`,
      locationOf(file, line, column),
      hint,
    ).atLine(line, column);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const pos = /at position (\d+)/.exec(message);
    const at = pos ? lineColAt(text, Number(pos[1])) : null;
    throw new InputError(
      'json-invalid',
      `not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`,
      locationOf(file, at?.line, at?.column),
      hint,
    ).atLine(at?.line, at?.column);
  }
}
