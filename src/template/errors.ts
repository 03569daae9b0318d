// Errors of expressions and templates, as users should see them: one line with where and what, no stack.

/** A name (at any depth: `host.nmae`) that has no value. Thrown by the strict scope. */
export class UndefinedVariable extends Error {
  override readonly name = "UndefinedVariable";
  constructor(readonly variable: string) {
    super(`undefined variable \`${variable}\``);
  }
}

export class TemplateError extends Error {
  override readonly name = "TemplateError";
  /** The template file, or the `file:line:col: field` of an expression. */
  readonly where: string;
  /** Line in a template file, when known. */
  readonly line?: number;
  /** The undefined variable, when that is the problem. */
  readonly variable?: string;
  readonly detail: string;

  constructor(where: string, detail: string, options: { line?: number; variable?: string; cause?: unknown } = {}) {
    super(`${where}${options.line !== undefined ? `:${options.line}` : ""}: ${detail}`, { cause: options.cause });
    this.where = where;
    this.line = options.line;
    this.variable = options.variable;
    this.detail = detail;
  }
}

/** One line describing why evaluation failed. */
export function describeFailure(error: unknown): { detail: string; variable?: string } {
  if (error instanceof UndefinedVariable) return { detail: error.message, variable: error.variable };
  if (error instanceof ReferenceError) {
    const m = /^(\S+) is not defined/.exec(error.message);
    if (m) return { detail: `undefined variable \`${m[1]}\``, variable: m[1] };
  }
  if (error instanceof Error) return { detail: error.message.split("\n")[0] ?? error.message };
  // `throw {code: 42}` in a template: String() would say "[object Object]".
  return { detail: `threw ${thrownValue(error)}` };
}

function thrownValue(value: unknown): string {
  if (typeof value !== "object" || value === null) return typeof value === "string" ? JSON.stringify(value) : String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
