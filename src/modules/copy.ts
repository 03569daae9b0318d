// copy: a file with inline content, a file of the role's files/ directory, or a whole directory tree of it.
import { stat } from "node:fs/promises";
import { z } from "zod";
import type { Module } from "./types.js";
import { applyContentFile, contentFileProbe, decideContentFile, desiredFile, observeFile, type DesiredFile } from "./lib/content-file.js";
import { sha256 } from "./lib/content.js";
import { absolutePathSchema, backupSchema, groupSchema, modeSchema, ownerSchema, validateSchema } from "./lib/params.js";
import { decideTree, readSourceTree, treeProbe, type SourceTree } from "./lib/tree.js";
import { applyTree } from "./lib/tree-apply.js";

export const copySchema = z
  .strictObject({
    dest: absolutePathSchema.describe("Absolute path on the host: the file, or for a directory `src` the directory that mirrors it."),
    content: z.string().optional().describe("The file's exact content (instead of src)."),
    src: z
      .string()
      .min(1)
      .optional()
      .describe("A file or directory under the role's files/ directory (instead of content). A directory is copied as a tree."),
    owner: ownerSchema.optional(),
    group: groupSchema.optional(),
    mode: modeSchema
      .optional()
      .describe(
        'Octal mode as a quoted string. Default: kept for an existing file (also in a directory src), "0644" for a new one; a source file that is executable makes it "0755".',
      ),
    backup: backupSchema.default(false),
    validate: validateSchema.optional(),
    delete: z.boolean().default(false).describe("Directory src only: remove files under dest that the source does not have."),
  })
  .superRefine((p, ctx) => {
    if ((p.content === undefined) === (p.src === undefined)) {
      ctx.addIssue({ code: "custom", path: [], message: "set exactly one of content or src" });
    }
    if (p.delete && p.content !== undefined) ctx.addIssue({ code: "custom", path: ["delete"], message: "delete applies to a directory src only" });
    if (p.dest === "/") ctx.addIssue({ code: "custom", path: ["dest"], message: "refusing to copy onto /" });
  });

export type CopyParams = z.infer<typeof copySchema>;

export type CopyPrepared = { kind: "file"; file: DesiredFile; sha256: string } | { kind: "tree"; tree: SourceTree };

export const copyModule: Module<CopyParams, CopyPrepared> = {
  name: "copy",
  description: "Put a file (inline content or a role file) or a directory tree of the role on the host.",
  schema: copySchema,

  async prepare(params, ctx) {
    if (params.src === undefined) {
      const content = Buffer.from(params.content ?? "", "utf8");
      return { kind: "file", file: desiredFile(params.dest, content, params), sha256: sha256(content) };
    }
    const source = ctx.roleFilePath(params.src);
    const info = await stat(source).catch((error: unknown) => {
      throw new Error(`src ${params.src}: not found in files/`, { cause: error });
    });
    if (info.isDirectory()) {
      if (params.validate !== undefined || params.backup) throw new Error("validate and backup apply to a single file, not a directory src");
      // Every host copying this directory gets the same tree: read and hashed once per run.
      return { kind: "tree", tree: await ctx.once(`copy-tree:${source}`, () => readSourceTree(source)) };
    }
    if (params.delete) throw new Error("delete applies to a directory src only");
    const content = await ctx.readRoleFile(params.src);
    // A role file that is executable stays so on the host unless the task sets a mode.
    const mode = params.mode ?? (info.mode & 0o111 ? "0755" : undefined);
    return { kind: "file", file: desiredFile(params.dest, content, { ...params, mode }), sha256: sha256(content) };
  },

  probe(params, prepared) {
    if (prepared.kind === "tree") return treeProbe(treeParams(params), prepared.tree);
    return contentFileProbe(prepared.file.path, prepared.sha256, prepared.file);
  },

  decide(params, prepared, observed, ctx) {
    if (prepared.kind === "tree") return decideTree(treeParams(params), prepared.tree, observed, ctx.secrets);
    return decideContentFile(prepared.file, observeFile(observed), ctx.secrets);
  },

  apply(params, prepared, change, ctx) {
    if (prepared.kind === "tree") return applyTree(treeParams(params), prepared.tree, change, ctx);
    return applyContentFile(prepared.file, change, ctx);
  },
};

function treeParams(params: CopyParams) {
  return {
    dest: params.dest,
    delete: params.delete,
    ...(params.owner !== undefined ? { owner: params.owner } : {}),
    ...(params.group !== undefined ? { group: params.group } : {}),
    ...(params.mode !== undefined ? { mode: params.mode } : {}),
  };
}
