import { parseDocument } from 'yaml';

/**
 * Config text to a plain value. The config holds key material (passphrases, PEM keys), so no
 * message here ever quotes the text: Node's JSON errors include a snippet of the input and the yaml
 * library's warnings print the offending line, both replaced by a position and the fix.
 */
export type ParsedConfigText = { ok: true; raw: unknown } | { ok: false; message: string };

export function parseJsonConfig(text: string): ParsedConfigText {
  try {
    return { ok: true, raw: JSON.parse(text) };
  } catch (e) {
    // Node 20 quotes the input around the error and gives no position for most errors: say what to check.
    const at = /position (\d+)/.exec((e as Error).message);
    const where = at ? ` at ${lineColumn(text, Number(at[1]))}` : '';
    return {
      ok: false,
      message: `JSON does not parse${where}; check quotes, commas and brackets (the text is not shown: it may hold key material)`,
    };
  }
}

export function parseYamlConfig(text: string): ParsedConfigText {
  // logLevel silent: warnings would go to process.emitWarning with the line, secret and all.
  const doc = parseDocument(text, { prettyErrors: false, logLevel: 'silent' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const where = lineColumn(text, problem.pos[0]);
    // tunnelwatch defines no YAML tags: an unresolved one (e.g. `!secret`) would silently become a string.
    const fix =
      problem.code === 'TAG_RESOLVE_FAILED'
        ? 'tunnelwatch uses no YAML tags: write the value, or for key material a *File path or fromAppSettings'
        : 'check the indentation and quoting there';
    return {
      ok: false,
      message: `not valid YAML: ${problem.code} at ${where}; ${fix}`,
    };
  }
  return { ok: true, raw: doc.toJS() };
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const line = before.split('\n').length;
  return `line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
}
