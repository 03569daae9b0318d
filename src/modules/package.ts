// `package`: Debian/Ubuntu packages through apt. One probe for all packages of the task, one apt-get call
// for all that are missing, apt lists refreshed only when the install needs it.
import { z } from "zod";
import type { Module, Plan, TaskContext } from "./types.js";
import { scriptProbe } from "./lib/lookup.js";
import {
  aptError,
  aptInstallCommand,
  aptProbeScript,
  aptRemoveCommand,
  aptUpdateCommand,
  decideApt,
  heldPackages,
  PACKAGE_SPEC,
  parseAptProbe,
  parsePackageSpec,
  specArg,
  unchosenVirtual,
  type AptDecision,
  type AptWant,
} from "./system/apt.js";
import type { Script } from "../util/shell.js";

const packageName = z
  .string()
  .regex(PACKAGE_SPEC, "not a Debian package name (lowercase letters, digits, + - .; optional :arch and =version)");

export const packageSchema = z
  .strictObject({
    name: z
      .union([packageName, z.array(packageName).min(1)])
      .describe("Package name or list of names; `name=version` pins a version."),
    state: z
      .enum(["present", "absent", "latest"])
      .default("present")
      .describe("present: installed; latest: installed and upgraded to apt's candidate; absent: removed."),
    update_cache: z
      .boolean()
      .optional()
      .describe(
        "true: refresh the apt lists before installing when they are older than cache_valid_time. " +
          "false: never refresh. Unset: refresh only when a package to install has no candidate.",
      ),
    cache_valid_time: z
      .number()
      .int()
      .nonnegative()
      .default(3600)
      .describe("Seconds the apt lists count as fresh when update_cache is true."),
    install_recommends: z.boolean().default(false).describe("Also install recommended packages."),
    purge: z.boolean().default(false).describe("With state absent: also remove configuration files."),
  })
  .describe("Install, upgrade or remove packages (apt).");

export type PackageParams = z.infer<typeof packageSchema>;

function want(params: PackageParams): AptWant {
  const names = typeof params.name === "string" ? [params.name] : params.name;
  return {
    packages: names.map(parsePackageSpec),
    state: params.state,
    updateCache: params.update_cache ?? "auto",
    cacheValidTime: params.cache_valid_time,
    purge: params.purge,
  };
}

/** Another package manager is definitely in charge: apt commands would be wrong, not just fail. */
function otherManager(ctx: TaskContext): string | undefined {
  const manager = ctx.facts.packageManager;
  return manager && manager !== "apt" && manager !== "unknown" ? manager : undefined;
}

function summarize(decision: AptDecision): string {
  const parts: string[] = [];
  if (decision.refresh) parts.push(`refresh apt lists (${decision.refreshReason ?? "stale"})`);
  if (decision.install.length) parts.push(`install ${decision.install.map((spec) => specArg(spec) + providing(decision, spec.name)).join(", ")}`);
  for (const { spec, verb, why } of decision.finish) parts.push(`${verb} ${specArg(spec)} (${why})`);
  if (decision.upgrade.length) {
    parts.push(`upgrade ${decision.upgrade.map((u) => `${u.spec.name} ${u.from} -> ${u.to}`).join(", ")}`);
  }
  if (decision.remove.length) parts.push(`remove ${decision.remove.join(", ")}`);
  if (parts.length === 1 && decision.refresh) parts.push("then upgrade what has a newer version");
  return parts.join(", ");
}

/** " (provides python3-types-chardet)" for a package installed in place of the virtual package asked for. */
function providing(decision: AptDecision, name: string): string {
  const names = decision.virtual.filter((v) => v.chosen === name).map((v) => v.name);
  return names.length > 0 ? ` (provides ${names.join(", ")})` : "";
}

function installArgs(decision: AptDecision): string[] {
  return [...decision.install.map(specArg), ...decision.finish.map((f) => specArg(f.spec)), ...decision.upgrade.map((u) => specArg(u.spec))];
}

/** "ssh-server is a virtual package, provided by openssh-server (installed)" for each satisfied one. */
function providedNote(decision: AptDecision): string | undefined {
  const provided = decision.virtual.filter((v) => v.installed.length > 0);
  if (provided.length === 0) return undefined;
  return provided.map((v) => `${v.name} is a virtual package, provided by ${v.installed.join(", ")} (installed)`).join("; ");
}

/** The apt probe for what the task wants. */
function aptProbeOf(params: PackageParams, planOnly = false): Script {
  const w = want(params);
  return aptProbeScript(
    w.packages.map((p) => p.name),
    w.state === "absent" ? "none" : w.state === "latest" ? "all" : "missing",
    planOnly,
  );
}

export const packageModule: Module<PackageParams, undefined> = {
  name: "package",
  description: "Install, upgrade or remove packages with apt (Debian, Ubuntu).",
  schema: packageSchema,

  probe(params, _prepared, ctx) {
    return otherManager(ctx) ? undefined : scriptProbe(aptProbeOf(params, ctx.planOnly));
  },

  decide(params, _prepared, observed, ctx): Plan {
    const manager = otherManager(ctx);
    if (manager) return { kind: "fail", message: `package supports apt only; this host uses ${manager}` };
    if (!observed) return { kind: "fail", message: "package: the host was not probed" };
    const seen = parseAptProbe(observed.output);
    if (!seen.dpkg) return { kind: "fail", message: "package supports apt only; this host has no dpkg" };
    const decision = decideApt(want(params), seen);
    const unchosen = unchosenVirtual(decision);
    if (unchosen !== undefined) return { kind: "fail", message: unchosen };
    if (decision.unavailable.length > 0) {
      return {
        kind: "fail",
        message: `no installation candidate for ${decision.unavailable.join(", ")} (update_cache is false; the apt lists may be stale)`,
      };
    }
    const held = heldPackages(decision, seen);
    // Blocked rather than failed: an earlier task of the play (apt-mark unhold) may still lift the hold.
    if (held !== undefined) return { kind: "blocked", reason: held };
    const nothing = !decision.refresh && !decision.install.length && !decision.finish.length && !decision.upgrade.length && !decision.remove.length;
    const note = providedNote(decision);
    if (nothing) return note !== undefined ? { kind: "ok", summary: note } : { kind: "ok" };
    return { kind: "change", summary: [summarize(decision), ...(note !== undefined ? [note] : [])].join("; "), detail: decision };
  },

  async apply(params, _prepared, change, ctx) {
    let decision = change.detail as AptDecision;
    const run = async (command: Script): Promise<string | undefined> => {
      const result = await ctx.run(command, { timeoutMs: 30 * 60_000 });
      if (result.exitCode === 0) return undefined;
      return aptError(`${result.stdout}\n${result.stderr}`) || `exit status ${String(result.exitCode)}`;
    };
    const w = want(params);
    if (decision.refresh) {
      const failed = await run(aptUpdateCommand());
      if (failed) return { changed: false, failed: `apt-get update failed: ${failed}` };
      // Fresh lists change candidates (and for `latest`, what is outdated): decide again from a new probe.
      const probe = await ctx.run(aptProbeOf(params));
      const fresh = parseAptProbe(probe.stdout + probe.stderr);
      decision = decideApt({ ...w, updateCache: false }, fresh);
      const held = heldPackages(decision, fresh);
      if (held !== undefined) return { changed: false, failed: held };
      const unchosen = unchosenVirtual(decision);
      if (unchosen !== undefined) return { changed: false, failed: unchosen };
      if (decision.unavailable.length > 0) {
        return { changed: false, failed: `no installation candidate for ${decision.unavailable.join(", ")} after refreshing the apt lists` };
      }
    }
    const toInstall = installArgs(decision);
    if (toInstall.length > 0) {
      const failed = await run(aptInstallCommand(toInstall, { installRecommends: params.install_recommends }));
      if (failed) return { changed: false, failed: `apt-get install ${toInstall.join(" ")} failed: ${failed}` };
    }
    if (decision.remove.length > 0) {
      const failed = await run(aptRemoveCommand(decision.remove, { purge: params.purge }));
      if (failed) return { changed: false, failed: `apt-get ${params.purge ? "purge" : "remove"} failed: ${failed}` };
    }
    const changed = toInstall.length > 0 || decision.remove.length > 0;
    // Refreshing the lists alone changes nothing a user configured: it is not reported as a change.
    return { changed, summary: changed ? summarize({ ...decision, refresh: false }) : "apt lists refreshed; nothing to upgrade" };
  },
};
