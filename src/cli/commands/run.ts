// `deploy apply` and `deploy plan`: load and validate everything, then run the playbook.
import { DEFAULT_FORKS, runPlaybook } from "../../engine/run.js";
import { projectTags, SPECIAL_TAGS, tagsSelectSomeTask, type TagFilter } from "../../engine/task-list.js";
import { didYouMean } from "../../config/suggest.js";
import type { Project } from "../../config/model.js";
import type { RunMode, RunStats } from "../../engine/events.js";
import { JsonRenderer } from "../../report/json.js";
import { LinesRenderer } from "../../report/lines.js";
import { makeRedactor, redactDeep } from "../../report/redact.js";
import type { Renderer } from "../../report/renderer.js";
import { EXIT, parseCommandArgs, UsageError, type CliIO, type Command } from "../command.js";
import { catchInterrupts } from "../interrupt.js";
import { loadForRun, runDeps } from "../wiring.js";

const OPTIONS = {
  extra: { type: "string", short: "e", multiple: true },
  limit: { type: "string", short: "l" },
  tags: { type: "string", short: "t" },
  "skip-tags": { type: "string" },
  forks: { type: "string", short: "f" },
  json: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  stats: { type: "boolean" },
  "force-handlers": { type: "boolean" },
  "no-color": { type: "boolean" },
  "vault-password-file": { type: "string" },
} as const;

function usage(mode: RunMode): string {
  const what = mode === "apply" ? "Converge the hosts to what the playbook describes." : "Show what apply would change, with diffs; changes nothing.";
  return `Usage: deploy ${mode} <inventory> [playbook] [options]

${what}
The playbook defaults to playbooks/site.yaml next to the inventory's directory.

Options:
  -l, --limit PATTERN     only hosts matching PATTERN (web-01, web:!web-02, db-*)
  -t, --tags a,b          only tasks with one of these tags
      --skip-tags a,b     skip tasks with one of these tags
  -e, --extra K=V|@FILE   extra vars, highest precedence (repeatable; -e 'a=1 b="x y"' sets two; JSON/YAML values allowed;
                          --extra-vars is the same option)
  -f, --forks N           hosts run in parallel (default ${DEFAULT_FORKS})
      --json              print one JSON document (results, recap, stats) and nothing else
  -v, --verbose           also show the commands run on hosts (secrets redacted)
      --stats             print each host's SSH round trips: total, and per task on average
${mode === "apply" ? "      --force-handlers    run notified handlers even on hosts where a task failed\n" : ""}      --no-color          plain output on a terminal
      --vault-password-file F  read the vault password from F

Ctrl-C stops the run cleanly: no new task starts, the running ones finish, then the handlers they
notified run. A second Ctrl-C stops at once.

Exit status: 0 ok, 1 invalid configuration (nothing ran), 2 a task failed (or another deploy was applying to
a host), 4 a host was unreachable, 6 both,
130 interrupted.`;
}

/**
 * `--tags a,b`. An empty one (`--tags "$TAGS"` with TAGS unset) would run every task, an empty item
 * (`--tags "app,$MORE"`) less than meant: both are refused.
 */
function tagList(option: string, value: string | undefined): string[] {
  if (value === undefined) return [];
  const tags = value.split(",").map((s) => s.trim());
  if (tags.every((t) => t === "")) {
    throw new UsageError(`--${option} '${value}' names no tag: give one or more (a,b), or leave --${option} out${option === "tags" ? " to run every task" : ""}`);
  }
  if (tags.includes("")) throw new UsageError(`--${option} '${value}' has an empty tag (two commas, or one at an end)`);
  return tags;
}

/** A tag no task carries would make the run quietly do nothing (--tags) or skip nothing (--skip-tags). */
function checkTags(filter: TagFilter, known: Set<string>): void {
  for (const tag of [...filter.tags, ...filter.skipTags]) {
    if (known.has(tag) || SPECIAL_TAGS.includes(tag)) continue;
    const listed = known.size ? `the playbook's tags: ${[...known].sort().join(", ")}` : "the playbook has no tags";
    throw new UsageError(`no task has the tag '${tag}'${didYouMean(tag, known)} (${listed})`);
  }
}

/** `--tags app --skip-tags app`, `--skip-tags all`: a run that would do nothing and say ok is refused. */
function checkSelection(filter: TagFilter, project: Project, given: string[]): void {
  if (given.length === 0 || tagsSelectSomeTask(project, filter)) return;
  const always = tagsSelectSomeTask(project, { ...filter, tags: [...(filter.tags.length ? filter.tags : ["all"]), "always"] });
  const what = always ? "no task but the ones tagged 'always'" : "no task: the run would do nothing";
  throw new UsageError(`${given.join(" with ")} select${given.length > 1 ? "" : "s"} ${what}`);
}

async function run(mode: RunMode, args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  if (mode === "plan" && values["force-handlers"]) throw new UsageError("--force-handlers only applies to apply");
  const [inventoryFile, playbookFile, ...extra] = positionals;
  if (!inventoryFile) throw new UsageError("missing <inventory> (for example inventory/prod.yaml)");
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const forks = values.forks === undefined ? DEFAULT_FORKS : Number(values.forks);
  if (!Number.isInteger(forks) || forks < 1) throw new UsageError(`--forks must be a positive whole number, got '${values.forks}'`);
  const tags = { tags: tagList("tags", values.tags), skipTags: tagList("skip-tags", values["skip-tags"]) };

  const loaded = await loadForRun({
    command: mode,
    cwd: io.cwd,
    inventoryFile,
    playbookFile,
    extraVars: values.extra ?? [],
    limit: values.limit,
    vaultPasswordFile: values["vault-password-file"],
    env: io.env,
  });
  const { project } = loaded;
  checkTags(tags, projectTags(project));
  checkSelection(tags, project, [
    ...(values.tags !== undefined ? [`--tags ${values.tags}`] : []),
    ...(values["skip-tags"] !== undefined ? [`--skip-tags ${values["skip-tags"]}`] : []),
  ]);
  const redact = makeRedactor(project.secrets);
  const write = (text: string) => io.out(redact(text).replace(/\n$/, ""));
  const hostNames = [...project.inventory.hosts.keys()];
  const color = io.isTTY && !values["no-color"] && !io.env["NO_COLOR"];
  const verbose = Boolean(values.verbose);
  const renderer: Renderer = values.json
    ? new JsonRenderer(write, { verbose })
    : io.isTTY && !verbose && io.columns !== 0
      ? // listr2 is loaded only for a terminal (one that tells its width: listr2 wraps each character
        // onto a line of its own at width 0): a third of the start-up time of a run in CI or a pipe.
        new (await import("../../report/tty.js")).TtyRenderer({ verbose, color, write, cwd: io.cwd }, hostNames)
      : new LinesRenderer({ verbose, color, write, cwd: io.cwd }, hostNames);

  let stats: RunStats | undefined;
  const deps = await runDeps(loaded, io, (line) => io.err(redact(line)), mode);
  const interrupts = catchInterrupts(io);
  const result = await runPlaybook(
    project,
    {
      mode,
      forks,
      limit: loaded.limit,
      tags,
      forceHandlers: Boolean(values["force-handlers"]),
      stop: interrupts.signal,
    },
    deps,
    (event) => {
      // Only --verbose prints the commands: the rest need not pay for redacting every probe script.
      if (event.type === "command" && !verbose) return;
      renderer.handle(redactDeep(event, redact));
      if (event.type === "run-end") stats = event.stats;
    },
  ).finally(() => interrupts.release());
  await renderer.finish();
  if (values.stats && !values.json && stats) {
    // In inventory order, as the recap: connections open in the order hosts come up.
    for (const host of hostNames.filter((h) => h in stats!.roundTrips)) {
      const trips = stats.roundTrips[host]!;
      const tasks = stats.tasks[host] ?? 0;
      write(`stats ${host}: ${trips} round trips for ${tasks} tasks (${tasks ? (trips / tasks).toFixed(2) : "-"} per task)\n`);
    }
  }
  if (result.interrupted) return EXIT.interrupted;
  const failed = result.failedHosts.length > 0 ? EXIT.failed : 0;
  const unreachable = result.unreachableHosts.length > 0 ? EXIT.unreachable : 0;
  return failed | unreachable;
}

export const applyCommand: Command = {
  name: "apply",
  usage: usage("apply"),
  run: (args, io) => run("apply", args, io),
};

export const planCommand: Command = {
  name: "plan",
  usage: usage("plan"),
  run: (args, io) => run("plan", args, io),
};
