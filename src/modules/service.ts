// `service`: systemd units. One probe (`systemctl show`), then the fewest systemctl calls that reach the
// wanted state, in one script. A unit file edited since systemd loaded it (NeedDaemonReload=yes) is
// reloaded first, which is how "daemon-reload when a unit file changed" works without extra tasks.
import { z } from "zod";
import { raw, sh, type Script } from "../util/shell.js";
import type { Module, Plan } from "./types.js";
import type { Probe } from "./lib/lookup.js";
import { fact, hasFact, parseProbe } from "./lib/probe.js";
import { tail } from "./lib/tail.js";

export const UNIT_NAME = /^[A-Za-z0-9:_.@\\-]+$/;

export const serviceSchema = z
  .strictObject({
    name: z
      .string()
      .regex(UNIT_NAME, "not a systemd unit name")
      .describe("Unit name; `.service` is added when it has no unit type suffix."),
    state: z
      .enum(["started", "stopped", "restarted", "reloaded"])
      .optional()
      .describe("started/stopped are checked; restarted/reloaded always act (use them in handlers)."),
    enabled: z.boolean().optional().describe("Start the unit at boot (true) or not (false)."),
    daemon_reload: z
      .boolean()
      .default(false)
      .describe("Run `systemctl daemon-reload` before acting, even when systemd does not report changed unit files."),
  })
  .refine((p) => p.state !== undefined || p.enabled !== undefined || p.daemon_reload, {
    message: "give at least one of state, enabled, daemon_reload",
  })
  .describe("Start, stop, restart, reload, enable or disable a systemd unit.");

export type ServiceParams = z.infer<typeof serviceSchema>;

const UNIT_SUFFIX = /\.(service|socket|timer|target|path|mount|automount|swap|slice|scope|device)$/;

export function unitName(name: string): string {
  return UNIT_SUFFIX.test(name) ? name : `${name}.service`;
}

export interface UnitState {
  loadState: string;
  activeState: string;
  unitFileState: string;
  needDaemonReload: boolean;
  fragmentPath: string;
  /** A unit file for it exists on disk (systemd may not have loaded it yet). */
  fileOnDisk: boolean;
}

/** Where systemd looks for unit files (Debian keeps /lib as a link to /usr/lib, both are listed for older hosts). */
const UNIT_DIRS = ["/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"];

/** `app@blue.service` is loaded from `app@.service`. */
function unitFileNames(unit: string): string[] {
  const template = unit.replace(/@[^.]+(\.[a-z]+)$/, "@$1");
  return template === unit ? [unit] : [unit, template];
}

export function serviceProbe(unit: string): Probe {
  // The file check catches a unit whose file appeared after systemd cached it as not-found or broken
  // (a unit removed and written again): only a daemon-reload makes systemd see it.
  const files = UNIT_DIRS.flatMap((dir) => unitFileNames(unit).map((name) => `${dir}/${name}`));
  return { lookups: [{ kind: "unit", name: unit, files }] };
}

export function parseUnitState(output: string): UnitState | undefined {
  const report = parseProbe(output);
  const loadState = fact(report, "LoadState");
  if (loadState === undefined || hasFact(report, "no-systemctl")) return undefined;
  return {
    loadState,
    activeState: fact(report, "ActiveState") ?? "",
    unitFileState: fact(report, "UnitFileState") ?? "",
    needDaemonReload: fact(report, "NeedDaemonReload") === "yes",
    fragmentPath: fact(report, "FragmentPath") ?? "",
    fileOnDisk: hasFact(report, "unit-file"),
  };
}

/** Running, or on its way there: starting it again would change nothing. */
const UP = new Set(["active", "reloading", "activating"]);
/** Unit file states where `enable`/`disable` has nothing to do (static units cannot be enabled at all). */
const ENABLED = new Set(["enabled", "enabled-runtime", "static", "alias", "indirect", "generated", "transient", "linked", "linked-runtime"]);
/**
 * `systemctl enable --runtime` links the unit under /run, which is gone at the next boot: for `enabled:
 * true` (start at boot) that is not enabled; `systemctl enable` adds the links under /etc.
 */
const UNTIL_REBOOT = "enabled-runtime";
const NOT_ENABLEABLE = new Set(["static", "generated", "transient", "alias", "indirect"]);

export type ServiceAction = "daemon-reload" | "start" | "stop" | "restart" | "reload" | "enable" | "disable";

/** The systemctl calls that bring the unit to the wanted state, in order. Pure. */
export function serviceActions(params: ServiceParams, state: UnitState): ServiceAction[] | { blocked: string } | { fail: string } {
  const unit = unitName(params.name);
  const actions: ServiceAction[] = [];
  if ((state.loadState === "not-found" || state.loadState === "error") && state.fileOnDisk) {
    // systemd has not read the unit file yet: reload, then act as on a stopped unit not enabled yet.
    const fresh = { ...state, loadState: "loaded", activeState: "inactive", unitFileState: "disabled", needDaemonReload: false };
    const after = serviceActions({ ...params, daemon_reload: false }, fresh);
    return Array.isArray(after) ? ["daemon-reload", ...after] : after;
  }
  if (state.loadState === "not-found") {
    // Nothing to stop or disable on a unit that does not exist; anything else needs it installed first.
    const onlyOff = params.state !== "started" && params.state !== "restarted" && params.state !== "reloaded" && params.enabled !== true;
    return onlyOff ? [] : { blocked: `unit ${unit} is not installed` };
  }
  const wantsUp = params.state === "started" || params.state === "restarted" || params.state === "reloaded";
  if (state.loadState === "masked" && (wantsUp || params.enabled === true)) return { fail: `unit ${unit} is masked` };
  if (state.loadState !== "loaded" && state.loadState !== "masked") {
    return { fail: `unit ${unit} cannot be loaded (LoadState=${state.loadState})` };
  }
  if (state.needDaemonReload || params.daemon_reload) actions.push("daemon-reload");
  const up = UP.has(state.activeState);
  if (params.state === "started" && !up) actions.push("start");
  if (params.state === "stopped" && up) actions.push("stop");
  if (params.state === "restarted") actions.push("restart");
  // Reloading a stopped unit fails; starting it loads the configuration just as well.
  if (params.state === "reloaded") actions.push(up ? "reload" : "start");
  if (params.enabled === true && (!ENABLED.has(state.unitFileState) || state.unitFileState === UNTIL_REBOOT)) actions.push("enable");
  if (params.enabled === false && ENABLED.has(state.unitFileState) && !NOT_ENABLEABLE.has(state.unitFileState)) {
    actions.push("disable");
  }
  // daemon_reload: true alone with nothing else to do is not a change: systemd already has the files loaded.
  if (actions.length === 1 && actions[0] === "daemon-reload" && !state.needDaemonReload) return [];
  return actions;
}

const WORDS: Record<ServiceAction, string> = {
  "daemon-reload": "daemon-reload",
  start: "start",
  stop: "stop",
  restart: "restart",
  reload: "reload",
  enable: "enable at boot",
  disable: "disable at boot",
};

export function serviceSummary(unit: string, actions: ServiceAction[], state: UnitState): string {
  const reason = state.needDaemonReload ? " (unit file changed)" : state.loadState !== "loaded" && state.fileOnDisk ? " (new unit file)" : "";
  const words = actions.map((a) => {
    if (a === "daemon-reload") return `daemon-reload${reason}`;
    if (a === "enable" && state.unitFileState === UNTIL_REBOOT) return `${WORDS[a]} (enabled only until reboot now: enabled-runtime)`;
    return WORDS[a];
  });
  return `${unit}: ${words.join(", ")}`;
}

/** One script for all actions; on failure it appends the unit's last journal lines to explain why. */
export function serviceApplyScript(unit: string, actions: ServiceAction[]): Script {
  const explain = sh`{ rc=$?; journalctl -u ${unit} -n 8 --no-pager -o cat >&2 2>/dev/null; exit $rc; }`;
  const lines = actions.flatMap((a) => {
    if (a === "daemon-reload") return [sh`systemctl daemon-reload || ${explain}`];
    const run = sh`systemctl ${a} -- ${unit} || ${explain}`;
    // A unit that failed often enough is held by systemd's start limit ("Start request repeated too
    // quickly") until the interval passes, however well its cause was fixed since: the task asks for it
    // to run now, as an operator would after `systemctl reset-failed`.
    if (a !== "start" && a !== "restart") return [run];
    return [sh`if systemctl is-failed --quiet -- ${unit}; then systemctl reset-failed -- ${unit}; fi`, run];
  });
  if (actions.some((a) => a === "start" || a === "restart" || a === "reload")) {
    // `systemctl start` succeeds for a simple service whose program cannot even be executed (203/EXEC):
    // by the time it returns, the unit has failed. Said now, rather than "changed" on every run.
    // The journal first, the verdict last: the task's message keeps the last lines.
    const result = sh`"$(systemctl show -p Result --value -- ${unit})"`;
    lines.push(
      sh`if systemctl is-failed --quiet -- ${unit}; then journalctl -u ${unit} -n 8 --no-pager -o cat >&2 2>/dev/null; printf '%s failed as it started (Result=%s)\n' ${unit} ${raw(result.text)} >&2; exit 1; fi`,
    );
  }
  return raw(lines.map(String).join("\n"));
}

export const serviceModule: Module<ServiceParams, undefined> = {
  name: "service",
  description: "Manage a systemd unit: started/stopped/restarted/reloaded, enabled at boot.",
  schema: serviceSchema,

  probe(params) {
    return serviceProbe(unitName(params.name));
  },

  decide(params, _prepared, observed, ctx): Plan {
    if (ctx.facts.init && ctx.facts.init !== "systemd" && ctx.facts.init !== "unknown") {
      return { kind: "fail", message: `service supports systemd only; PID 1 is ${ctx.facts.init}` };
    }
    const state = observed ? parseUnitState(observed.output) : undefined;
    if (!state) return { kind: "fail", message: `service: systemctl is not available: ${tail(observed?.output ?? "", 2)}` };
    const unit = unitName(params.name);
    const actions = serviceActions(params, state);
    if ("blocked" in actions) return { kind: "blocked", reason: actions.blocked };
    if ("fail" in actions) return { kind: "fail", message: actions.fail };
    if (actions.length === 0) {
      return { kind: "ok", summary: state.loadState === "not-found" ? `${unit} is not installed` : undefined };
    }
    return { kind: "change", summary: serviceSummary(unit, actions, state), detail: actions };
  },

  async apply(params, _prepared, change, ctx) {
    const unit = unitName(params.name);
    const actions = change.detail as ServiceAction[];
    const result = await ctx.run(serviceApplyScript(unit, actions), { timeoutMs: 10 * 60_000 });
    if (result.exitCode !== 0) {
      return { changed: false, failed: `systemctl failed for ${unit}: ${tail(result.stderr || result.stdout, 6)}` };
    }
    return { changed: true };
  },
};
