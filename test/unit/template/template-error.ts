// The TemplateError a call throws, for tests of expression and template messages.
import { TemplateError } from "../../../src/template/errors.js";

export function templateErrorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (error: unknown) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error("expected a TemplateError");
}

/** The message of the TemplateError `fn` throws. */
export function templateMessage(fn: () => unknown): string {
  return templateErrorOf(fn).message;
}
