// Two handlers of one play with the same name. A notify of that name runs every handler that has it (the
// engine matches names as it matches `listen`), so a role's `restart app` and the play's `restart app` would
// both run, and nobody writing the second one expects that: the name is refused, and `listen` stays the one
// way to run several handlers on one notify.
import path from "node:path";
import type { Handler, Location } from "./model.js";
import type { LoadedPlay } from "./playbook.js";
import type { Problems } from "./problems.js";
import type { LoadedRole } from "./roles.js";
import { formatPath } from "./source.js";
import { locate } from "./locate.js";
import type { ParsedTask } from "./tasks.js";

interface Definition {
  name: string;
  /** Where its `name:` value is written. */
  at: Location;
  path: string;
  /** `role \`app\`` or `play \`Web servers\``, as the message names it. */
  owner: string;
}

function isHandler(task: ParsedTask["task"]): task is Handler {
  return "listen" in task;
}

function definitions(parsed: readonly ParsedTask[], owner: string): Definition[] {
  return parsed.flatMap(({ task, source, paramsPath }) => {
    if (!isHandler(task)) return [];
    const namePath = [...paramsPath.slice(0, -1), "name"];
    return [{ name: task.name, at: locate(source, namePath), path: formatPath(namePath), owner }];
  });
}

/** `roles/app/handlers/main.yaml:1:9`: relative to the project, as the user names the files. */
function place(at: Location, projectDir: string): string {
  const rel = path.relative(projectDir, at.file);
  const file = rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : at.file;
  return `${file}:${at.line}:${at.col}`;
}

/**
 * Every handler name of a play must be unique across its roles and its own handlers. `reported` holds the
 * pairs already reported: two roles used together by several plays are one mistake.
 */
export function checkHandlerNames(loaded: LoadedPlay, roles: ReadonlyMap<string, LoadedRole>, projectDir: string, problems: Problems, reported: Set<string>): void {
  const all: Definition[] = [];
  // A role listed twice (with other vars) brings the same definitions twice: that is not a second name.
  for (const name of new Set(loaded.play.roles.map((ref) => ref.name))) {
    const role = roles.get(name);
    if (role) all.push(...definitions(role.parsed, `role \`${name}\``));
  }
  all.push(...definitions(loaded.parsed, `play \`${loaded.play.name}\``));
  const first = new Map<string, Definition>();
  for (const definition of all) {
    const earlier = first.get(definition.name);
    if (!earlier) {
      first.set(definition.name, definition);
      continue;
    }
    const key = `${place(earlier.at, "/")}|${place(definition.at, "/")}`;
    if (reported.has(key)) continue;
    reported.add(key);
    problems.add(
      definition.at,
      definition.path,
      `handler \`${definition.name}\` is also defined in ${earlier.owner} (${place(earlier.at, projectDir)}): a notify of this name would run both; ` +
        `rename one (to run both on one notify, give them the same \`listen\` name)`,
    );
  }
}
