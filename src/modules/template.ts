// template: render an EJS file of the role's templates/ with the host's vars (strictly: an undefined
// variable is an error before anything connects), then put the result on the host like copy's content.
import { z } from "zod";
import type { Module } from "./types.js";
import { applyContentFile, contentFileProbe, decideContentFile, desiredFile, observeFile, type DesiredFile } from "./lib/content-file.js";
import { sha256 } from "./lib/content.js";
import { absolutePathSchema, backupSchema, groupSchema, modeSchema, ownerSchema, validateSchema } from "./lib/params.js";

export const templateSchema = z.strictObject({
  src: z.string().min(1).describe("EJS template, relative to the role's templates/ directory."),
  dest: absolutePathSchema.describe("Absolute path of the rendered file on the host."),
  owner: ownerSchema.optional(),
  group: groupSchema.optional(),
  mode: modeSchema.optional().describe('Octal mode as a quoted string. Default: kept for an existing file, "0644" for a new one.'),
  backup: backupSchema.default(false),
  validate: validateSchema.optional(),
});

export type TemplateParams = z.infer<typeof templateSchema>;

export interface TemplatePrepared {
  file: DesiredFile;
  sha256: string;
}

export const templateModule: Module<TemplateParams, TemplatePrepared> = {
  name: "template",
  description: "Render an EJS template of the role with the host's vars and put the result on the host.",
  schema: templateSchema,

  async prepare(params, ctx) {
    const text = await ctx.renderTemplate(params.src, ctx.vars);
    const content = Buffer.from(text, "utf8");
    return { file: desiredFile(params.dest, content, params), sha256: sha256(content) };
  },

  probe(_params, prepared) {
    return contentFileProbe(prepared.file.path, prepared.sha256, prepared.file);
  },

  decide(_params, prepared, observed, ctx) {
    return decideContentFile(prepared.file, observeFile(observed), ctx.secrets);
  },

  apply(_params, prepared, change, ctx) {
    return applyContentFile(prepared.file, change, ctx);
  },
};
