// file: a path's type (directory, file, link, absent, touch) and its owner, group and mode.
import { z } from "zod";
import { raw, sh, type Script } from "../util/shell.js";
import type { ApplyResult, Module, Plan } from "./types.js";
import { attrChanges, attrScript, describeAttrChanges, keepCapabilitiesBelow, type AttrChange, type Attrs } from "./lib/attrs.js";
import { absolutePathSchema, formatMode, groupSchema, modeBits, modeSchema, ownerSchema } from "./lib/params.js";
import { accountLookups, type Lookup } from "./lib/lookup.js";
import { fact, hasFact, joinScript, missingAccounts, missingParent, noiseText, parseProbe, parseStat, TAG, type StatInfo } from "./lib/probe.js";

export const fileSchema = z
  .strictObject({
    path: absolutePathSchema.describe("Absolute path on the host."),
    state: z
      .enum(["file", "directory", "link", "absent", "touch"])
      .default("file")
      .describe(
        "file: must exist (only its attributes are set); directory: created with its parents; link: a symbolic link to src; absent: removed (recursively); touch: an empty file created if missing.",
      ),
    src: z.string().min(1).optional().describe("state link: what the link points to (stored as written)."),
    owner: ownerSchema.optional(),
    group: groupSchema.optional(),
    mode: modeSchema.optional(),
    recurse: z
      .boolean()
      .default(false)
      .describe("state directory: also set owner and group on everything below it (mode applies to the directory only)."),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (p.state === "link" && p.src === undefined) issue("src", "state link needs src (the link's target)");
    if (p.state !== "link" && p.src !== undefined) issue("src", "src applies to state link only");
    if (p.state === "link" && p.mode !== undefined) issue("mode", "a symbolic link has no mode of its own");
    if (p.state === "absent" && (p.owner !== undefined || p.group !== undefined || p.mode !== undefined)) {
      issue("state", "state absent takes no owner, group or mode");
    }
    if (p.recurse && p.state !== "directory") issue("recurse", "recurse applies to state directory only");
    if (p.recurse && p.owner === undefined && p.group === undefined) issue("recurse", "recurse needs owner or group");
    if (p.path.replace(/\/+$/, "") === "" && (p.state === "absent" || p.recurse)) issue("path", "refusing to remove or recurse over /");
  });

export type FileParams = z.infer<typeof fileSchema>;

/** What apply does, decided from the probe. */
export interface FileDetail {
  remove?: boolean;
  create?: "directory" | "file" | "link";
  attrs: AttrChange[];
  recurse?: boolean;
}

function wantedAttrs(params: FileParams): Attrs {
  return {
    ...(params.owner !== undefined ? { owner: params.owner } : {}),
    ...(params.group !== undefined ? { group: params.group } : {}),
    ...(params.mode !== undefined ? { mode: params.mode } : {}),
  };
}

/** Attributes of an entry about to be created: every one the task sets. */
function newAttrs(params: FileParams): AttrChange[] {
  const changes: AttrChange[] = [];
  if (params.owner !== undefined) changes.push({ what: "owner", from: "", to: params.owner });
  if (params.group !== undefined) changes.push({ what: "group", from: "", to: params.group });
  if (params.mode !== undefined) changes.push({ what: "mode", from: "", to: formatMode(modeBits(params.mode)) });
  return changes;
}

function withAttrs(text: string, attrs: AttrChange[]): string {
  return attrs.length ? `${text} (${attrs.map((a) => `${a.what} ${a.to}`).join(", ")})` : text;
}

function change(summary: string, detail: FileDetail): Plan {
  return { kind: "change", summary, detail };
}

const TYPE_WORD: Record<StatInfo["type"], string> = { file: "a file", directory: "a directory", link: "a symbolic link", other: "a special file" };

export const fileModule: Module<FileParams, undefined> = {
  name: "file",
  description: "Make a path a directory, file or symbolic link (or remove it) with the given owner, group and mode.",
  schema: fileSchema,

  probe(params) {
    const lookups: Lookup[] = [{ kind: "entry", path: params.path }, ...accountLookups(params.owner, params.group)];
    const lines: Script[] = [];
    if (params.state !== "absent") {
      // state link compares it; the others name it when a link is where they want something else.
      lines.push(raw(`if [ -L "$p" ]; then printf '${TAG}b64 target\\n'; readlink -n -- "$p" | base64; printf '${TAG}end\\n'; fi`));
    }
    if (params.state === "directory") {
      // mkdir -p creates missing parents, but fails on the first existing one that is not a directory,
      // however far up (/srv/f/afile/a/b with /srv/f/afile a file): the entry lookup sees the parent only.
      lines.push(
        raw(
          `if [ ! -e "$p" ] && [ ! -L "$p" ]; then a=$p; while a=$(dirname -- "$a"); [ ! -e "$a" ] && [ ! -L "$a" ]; do :; done; [ -d "$a" ] || printf '${TAG}not-dir-above %s\\n' "$a"; fi`,
        ),
      );
    }
    if (params.state === "absent") {
      lines.push(raw(`if [ -d "$p" ] && [ ! -L "$p" ]; then printf '${TAG}entries %s\\n' "$(find "$p" -mindepth 1 -printf x | wc -c)"; fi`));
      // rm -rf removes what it can and stops at an immutable or append-only entry (chattr +i / +a: not even
      // root may unlink it, nor unlink from such a directory): found first, so the removal fails whole, not
      // halfway. The path's own directory counts too. Without lsattr (e2fsprogs) rm finds out.
      lines.push(
        raw(
          `if { [ -e "$p" ] || [ -L "$p" ]; } && command -v lsattr >/dev/null 2>&1; then ` +
            `{ lsattr -d -- "$(dirname -- "$p")"; find "$p" \\( -type f -o -type d \\) -exec lsattr -d -- {} +; } 2>/dev/null | ` +
            `while IFS= read -r l; do f=\${l%% *}; case $f in *i*) printf '${TAG}immutable %s\\n' "\${l#* }" ;; *a*) printf '${TAG}append-only %s\\n' "\${l#* }" ;; esac; done; fi`,
        ),
      );
    }
    if (params.recurse) {
      const tests: Script[] = [];
      if (params.owner !== undefined) tests.push(sh`! -user ${params.owner}`);
      if (params.group !== undefined) tests.push(sh`! -group ${params.group}`);
      const test = raw(tests.map(String).join(" -o "));
      // find rejects an unknown user name; that case is reported by the accounts check (blocked) instead.
      lines.push(
        sh`if [ -d "$p" ] && [ ! -L "$p" ]; then printf '${raw(TAG)}differing %s\\n' "$(find "$p" -mindepth 1 \\( ${test} \\) -printf x 2>/dev/null | wc -c)"; fi`,
      );
    }
    return lines.length ? { lookups, script: joinScript([sh`p=${params.path}`, ...lines]) } : { lookups };
  },

  decide(params, _prepared, observed) {
    if (!observed) return { kind: "fail", message: "the path was not checked" };
    const report = parseProbe(observed.output);
    const statText = fact(report, "stat");
    const stat = statText !== undefined ? parseStat(statText) : undefined;
    if (!stat && !hasFact(report, "absent")) return { kind: "fail", message: `probe failed: ${noiseText(report)}` };
    const noParent = missingParent(report);
    const path = params.path;

    if (params.state === "absent") {
      if (!stat) return { kind: "ok" };
      const locked = [
        ...(report.facts.get("immutable") ?? []).map((entry) => `${entry} is immutable (chattr +i)`),
        ...(report.facts.get("append-only") ?? []).map((entry) => `${entry} is append-only (chattr +a)`),
      ];
      if (locked.length > 0) {
        const shown = locked.length <= 3 ? locked.join(", ") : `${locked.slice(0, 3).join(", ")} and ${locked.length - 3} more`;
        return { kind: "fail", message: `cannot remove ${path}: ${shown}; nothing was changed` };
      }
      const entries = Number(fact(report, "entries") ?? "0");
      const what = stat.type === "directory" ? `directory ${path} (${entries} entries below it)` : `${TYPE_WORD[stat.type].replace(/^an? /, "")} ${path}`;
      return change(`remove ${what}`, { remove: true, attrs: [] });
    }
    const accounts = missingAccounts(report);
    if (accounts) return { kind: "blocked", reason: accounts };

    if (!stat) {
      switch (params.state) {
        case "directory": {
          const above = fact(report, "not-dir-above");
          if (above !== undefined) return { kind: "blocked", reason: `${above} is not a directory` };
          if (hasFact(report, "parent-not-dir")) return { kind: "blocked", reason: noParent ?? `the parent of ${path} is not a directory` };
          return change(withAttrs(`create directory ${path}`, newAttrs(params)), { create: "directory", attrs: newAttrs(params) });
        }
        case "file":
          return { kind: "blocked", reason: noParent ?? `file ${path} does not exist` };
        case "touch":
          if (noParent !== undefined) return { kind: "blocked", reason: noParent };
          return change(withAttrs(`create empty file ${path}`, newAttrs(params)), { create: "file", attrs: newAttrs(params) });
        case "link": {
          if (noParent !== undefined) return { kind: "blocked", reason: noParent };
          const attrs = newAttrs(params);
          return change(withAttrs(`create link ${path} -> ${params.src ?? ""}`, attrs), { create: "link", attrs });
        }
      }
    }

    const expected = params.state === "touch" ? "file" : params.state;
    if (stat.type !== expected) {
      const target = stat.type === "link" ? report.blobs.get("target")?.toString("utf8") : undefined;
      const what = target !== undefined ? `a symbolic link to ${target}` : TYPE_WORD[stat.type];
      return { kind: "fail", message: `${path} is ${what}, not ${TYPE_WORD[expected]}` };
    }
    const attrs = attrChanges(wantedAttrs(params), stat);
    const parts: string[] = [];
    const detail: FileDetail = { attrs };
    if (params.state === "link") {
      const target = report.blobs.get("target")?.toString("utf8");
      if (target === undefined) return { kind: "fail", message: `cannot read link ${path}: ${noiseText(report)}` };
      if (target !== params.src) {
        parts.push(`retarget link ${path}: ${target} -> ${params.src ?? ""}`);
        detail.create = "link";
      }
    }
    if (attrs.length) parts.push(`${path}: ${describeAttrChanges(attrs)}`);
    if (params.recurse) {
      const differing = Number(fact(report, "differing") ?? "0");
      if (differing > 0) {
        parts.push(`owner/group of ${differing} ${differing === 1 ? "entry" : "entries"} below ${path}`);
        detail.recurse = true;
      }
    }
    return parts.length ? change(parts.join("; "), detail) : { kind: "ok" };
  },

  async apply(params, _prepared, planned, ctx): Promise<ApplyResult> {
    const detail = planned.detail as FileDetail;
    const path = params.path;
    const lines: Script[] = [raw("set -e")];
    if (detail.remove) lines.push(sh`rm -rf -- ${path}`);
    if (detail.create === "directory") lines.push(sh`mkdir -p -- ${path}`);
    if (detail.create === "file") lines.push(sh`touch -- ${path}`);
    if (detail.create === "link") lines.push(sh`ln -sfn -- ${params.src ?? ""} ${path}`);
    if (detail.recurse) {
      const spec = `${params.owner ?? ""}${params.group !== undefined ? `:${params.group}` : ""}`;
      // chown clears setuid/setgid on every file it touches, already-owned ones too: their modes are
      // noted first (NUL-separated, any name survives) and put back after.
      // File capabilities (setcap) go the same way, and come back the same way.
      const caps = keepCapabilitiesBelow(path);
      lines.push(
        raw(`kept=$(mktemp)`),
        ...caps.before,
        sh`find ${path} -mindepth 1 ! -type l ! -type d -perm /6000 -printf '%m\\0%p\\0' > "$kept"`,
        sh`chown -R -- ${spec} ${path}`,
        raw(`xargs -0 -r -n 2 chmod -- < "$kept"`),
        ...caps.after,
      );
    }
    // After chown -R: chown clears setuid/setgid bits that the mode sets.
    lines.push(...attrScript(path, detail.attrs, params.state === "link"));
    const result = await ctx.run(joinScript(lines));
    if (result.exitCode === 0) return { changed: true };
    return { changed: false, failed: `${path}: ${(result.stderr || result.stdout).trim() || `exit ${String(result.exitCode)}`}` };
  },
};
