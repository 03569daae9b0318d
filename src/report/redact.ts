// Secrets never leave the process in clear: every string a renderer prints goes through a redactor that
// replaces each secret value (vault values, vars marked secret) wherever it appears.

export const REDACTED = "<redacted>";

export type Redactor = (text: string) => string;

export function makeRedactor(secrets: ReadonlySet<string>): Redactor {
  // Longest first, so a secret containing another is replaced whole. Very short values would redact
  // ordinary words, so they are skipped (a 1-2 character secret is not a secret anyway).
  const values = [...secrets].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
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
