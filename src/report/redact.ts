// Secrets never leave the process in clear: every string a renderer prints goes through a redactor that
// replaces each secret value (vault values, vars marked secret) wherever it appears.

export const REDACTED = "<redacted>";

export type Redactor = (text: string) => string;

/** What EJS's `<%=` writes for each of these characters. */
const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" };

/**
 * The forms a secret takes once a template has escaped it for a config file: inside a JSON string, a
 * double-quoted option value (`\\` and `\"`), a single-quoted shell or HAProxy word (`'\''`), a URL,
 * EJS's `<%=` (HTML escapes). A plan's diff shows the rendered file, so each form must be hidden like the
 * value itself.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set([
    secret,
    JSON.stringify(secret).slice(1, -1),
    secret.replace(/[\\"]/g, (c) => `\\${c}`),
    secret.replace(/'/g, `'\\''`),
    encodeURIComponent(secret),
    secret.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!),
  ]);
  return [...forms];
}

export function makeRedactor(secrets: ReadonlySet<string>): Redactor {
  // Longest first, so a secret containing another is replaced whole. Very short values would redact
  // ordinary words, so they are skipped (a 1-2 character secret is not a secret anyway).
  const values = [...new Set([...secrets].filter((s) => s.length >= 3).flatMap(secretForms))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const value of values) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return out;
  };
}

/** Deep copy of a value with every string redacted (for events and JSON documents). */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, redact);
    return out as T;
  }
  return value;
}
