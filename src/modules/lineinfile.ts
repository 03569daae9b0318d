// lineinfile: make sure one line is in a file (or is not), replacing the line a regexp finds.
// The new content depends on the old, so the probe always brings the file back (up to 256 KiB); the
// edit is computed here, and apply refuses to overwrite a file that changed since it was read.
import { z } from "zod";
import type { Module } from "./types.js";
import { applyContentFile, contentFileProbe, decideContentFile, desiredFile, observeFile } from "./lib/content-file.js";
import { asText } from "./lib/content.js";
import { editLines, type LineEdit } from "./lib/lines.js";
import { absolutePathSchema, backupSchema, groupSchema, modeSchema, ownerSchema, validateSchema } from "./lib/params.js";
import { CONTENT_CAP } from "./lib/probe.js";

function compiles(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

const regexSchema = z.string().min(1).refine(compiles, "not a valid JavaScript regular expression");

export const lineinfileSchema = z
  .strictObject({
    path: absolutePathSchema.describe("Absolute path of the file on the host."),
    line: z.string().optional().describe("The line (without newline) that must be present; with state absent, the line to remove."),
    regexp: regexSchema
      .optional()
      .describe("JavaScript regular expression. present: the last matching line is replaced by `line`; absent: every matching line is removed."),
    state: z.enum(["present", "absent"]).default("present"),
    insertafter: regexSchema.optional().describe("Where a missing line goes: EOF (default) or after the last line matching this expression."),
    insertbefore: regexSchema.optional().describe("Where a missing line goes: BOF or before the last line matching this expression."),
    create: z.boolean().default(false).describe("Create the file when it does not exist (otherwise the task fails)."),
    owner: ownerSchema.optional(),
    group: groupSchema.optional(),
    mode: modeSchema.optional(),
    backup: backupSchema.default(false),
    validate: validateSchema.optional(),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (p.state === "present" && p.line === undefined) issue("line", "state present needs line");
    if (p.state === "absent" && p.line === undefined && p.regexp === undefined) issue("line", "state absent needs line or regexp");
    if (p.line !== undefined && p.line.includes("\n")) issue("line", "line must be a single line (no newline)");
    if (p.insertafter !== undefined && p.insertbefore !== undefined) issue("insertbefore", "set insertafter or insertbefore, not both");
  });

export type LineinfileParams = z.infer<typeof lineinfileSchema>;


function lineEdit(params: LineinfileParams): LineEdit {
  return {
    state: params.state,
    ...(params.line !== undefined ? { line: params.line } : {}),
    ...(params.regexp !== undefined ? { regexp: new RegExp(params.regexp) } : {}),
    ...(params.insertafter !== undefined ? { insertafter: params.insertafter } : {}),
    ...(params.insertbefore !== undefined ? { insertbefore: params.insertbefore } : {}),
  };
}

/** The file's new content, computed in decide and carried to apply in the plan's detail. */
interface LineinfileDetail {
  content: Buffer;
}

export const lineinfileModule: Module<LineinfileParams, undefined> = {
  name: "lineinfile",
  description: "Ensure a single line is present in (or absent from) a file, replacing the line a regexp matches.",
  schema: lineinfileSchema,

  probe(params) {
    return contentFileProbe(params.path, undefined, params);
  },

  decide(params, _prepared, observed, ctx) {
    const file = observeFile(observed);
    if (file.state === "absent") {
      if (params.state === "absent") return { kind: "ok" };
      if (!params.create) {
        return {
          kind: "blocked",
          reason: file.noParent ?? `file ${params.path} does not exist (create: true creates it)`,
        };
      }
      const content = Buffer.from(`${params.line ?? ""}\n`, "utf8");
      return withContent(decideContentFile(desiredFile(params.path, content, params), file, ctx.secrets), content);
    }
    if (file.state === "present" && file.stat.type === "file" && file.sha256 !== undefined) {
      if (file.content === undefined) {
        return { kind: "fail", message: `${params.path} is larger than ${CONTENT_CAP / 1024} KiB; lineinfile edits smaller files` };
      }
      const text = asText(file.content);
      if (text === undefined) return { kind: "fail", message: `${params.path} is not a text file` };
      const edit = editLines(text, lineEdit(params));
      const content = edit.changed ? Buffer.from(edit.text, "utf8") : file.content;
      return withContent(decideContentFile(desiredFile(params.path, content, params), file, ctx.secrets, `${params.path}: ${edit.what}`), content);
    }
    if (file.state === "present" && file.stat.type === "link") {
      return { kind: "fail", message: `${params.path} is a symbolic link; point lineinfile at the file it links to` };
    }
    // A missing hash, a directory, a special file: the shared decision explains it.
    return decideContentFile(desiredFile(params.path, Buffer.alloc(0), params), file, ctx.secrets);
  },

  apply(params, _prepared, change, ctx) {
    const { content } = change.detail as LineinfileDetail;
    return applyContentFile(desiredFile(params.path, content, params), change, ctx, { guard: true });
  },
};

function withContent<T extends { kind: string }>(plan: T, content: Buffer): T {
  if (plan.kind !== "change") return plan;
  const detail = (plan as { detail?: unknown }).detail;
  return { ...plan, detail: { ...(detail as object), content } };
}
