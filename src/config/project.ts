// Everything a run needs, loaded and checked before the first connection: the inventory, the playbook,
// every role it uses, `-e` vars, and the cross-references between them. All problems of all files are
// collected and thrown as one ConfigError.
import path from "node:path";
import { exists } from "../util/exists.js";
import type { Project, Role, Vars } from "./model.js";
import { Problems } from "./problems.js";
import { parseExtraVars } from "./extra-vars.js";
import { readInventory, type InventoryOptions } from "./inventory.js";
import { declaredHosts, resolvePattern } from "./patterns.js";
import { readPlaybook, type LoadedPlay } from "./playbook.js";
import { checkPlayTemplates, listPlayFiles } from "./play-files.js";
import { checkFileRefs, loadRole, type LoadedRole } from "./roles.js";
import { checkHandlerNames } from "./handler-names.js";
import { checkModeVars } from "./mode-vars.js";
import { addSecretVarValues, projectVarMaps } from "./secret-vars.js";
import { formatPath } from "./source.js";
import { locate } from "./locate.js";
import { didYouMean } from "./suggest.js";
import { checkRoleAnsibleFiles, checkVarsDirs } from "./ansible-files.js";
import { namedTemplates } from "./jinja-templates.js";
import { checkNamedTemplates } from "./named-templates.js";
import type { ParsedTask } from "./tasks.js";
import { resolveVaultPassword, type VaultPassword } from "../vault/password.js";

export interface ProjectOptions extends InventoryOptions {
  inventoryFile: string;
  /** Default: `<projectDir>/playbooks/site.yaml`. */
  playbookFile?: string;
  /** Raw `-e` arguments. */
  extraVars?: string[];
  cwd: string;
}

export function defaultPlaybook(projectDir: string): string {
  return path.join(projectDir, "playbooks", "site.yaml");
}

/**
 * No playbook was given and the default one is not where the project directory puts it (a flat layout:
 * hosts.yaml, site.yml and roles/ in one directory): say where that directory is taken from.
 */
async function defaultPlaybookMissing(inventoryFile: string, projectDir: string): Promise<string> {
  const inventoryDir = path.dirname(inventoryFile);
  let beside: string | undefined;
  for (const name of ["site.yaml", "site.yml", "playbook.yaml", "playbook.yml"]) {
    if (await exists(path.join(inventoryDir, name))) {
      beside = path.join(inventoryDir, name);
      break;
    }
  }
  const give = beside ? `give it as the playbook argument (\`deploy apply <inventory> ${beside}\`), ` : "give the playbook as the second argument, ";
  return `file not found: no playbook was given, and the default is playbooks/site.yaml in the project directory, ${projectDir}, the parent of the inventory's directory; ${give}or lay the project out as inventory/, playbooks/, roles/ (docs/config.md)`;
}

/** `notify` names must reach a handler of the play (its roles' handlers or its own) by name or `listen`. */
function checkNotify(loaded: LoadedPlay, roles: Map<string, LoadedRole>, problems: Problems, reported: Set<string>): void {
  const { play } = loaded;
  const handlerNames = new Set<string>();
  const tasks: ParsedTask[] = [];
  let unread = false;
  for (const ref of play.roles) {
    const role = roles.get(ref.name);
    if (!role) continue;
    unread ||= role.handlersUnread === true;
    for (const h of role.role.handlers) {
      handlerNames.add(h.name);
      for (const l of h.listen) handlerNames.add(l);
    }
    tasks.push(...role.parsed);
  }
  for (const h of play.handlers) {
    handlerNames.add(h.name);
    for (const l of h.listen) handlerNames.add(l);
  }
  tasks.push(...loaded.parsed);
  // Handlers that could not be read are already reported; every notify would be reported again.
  if (unread) return;
  for (const { task, source, paramsPath } of tasks) {
    for (const name of task.notify) {
      if (handlerNames.has(name)) continue;
      const key = `${task.location.file}:${task.location.line}:${task.location.col}:${name}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const taskPath = paramsPath.slice(0, -1);
      const at = locate(source, [...taskPath, "notify"]);
      problems.add(at, formatPath([...taskPath, "notify"]), `no handler named \`${name}\` in play \`${play.name}\`${didYouMean(name, handlerNames)}`);
    }
  }
}

/** `delegate_to` must name an inventory host (unless it is an expression, checked per host at run time). */
function checkDelegates(loaded: LoadedPlay, roles: Map<string, LoadedRole>, hostNames: Set<string>, problems: Problems, reported: Set<string>): void {
  const tasks: ParsedTask[] = [...loaded.parsed];
  for (const ref of loaded.play.roles) tasks.push(...(roles.get(ref.name)?.parsed ?? []));
  for (const { task, source, paramsPath } of tasks) {
    const target = task.delegateTo;
    if (target === undefined || target.includes("{{") || hostNames.has(target)) continue;
    const key = `${task.location.file}:${task.location.line}:${task.location.col}:delegate`;
    if (reported.has(key)) continue;
    reported.add(key);
    const at = [...paramsPath.slice(0, -1), "delegate_to"];
    problems.add(locate(source, at), formatPath(at), `no host named \`${target}\` in the inventory${didYouMean(target, hostNames)}`);
  }
}

export async function loadProject(opts: ProjectOptions): Promise<Project> {
  const problems = new Problems();
  const inventoryFile = path.resolve(opts.cwd, opts.inventoryFile);
  // Not awaited yet: a vault's key derivation (scrypt, ~0.1 s) runs on the thread pool while the
  // playbook and roles load. Problems are sorted before they are shown, so their order does not matter.
  const inventoryLoading = readInventory(inventoryFile, problems, opts);
  // Its failure is re-thrown where it is awaited; until then it must not count as unhandled.
  inventoryLoading.catch(() => undefined);
  const projectDir = path.dirname(path.dirname(inventoryFile));

  const playbookFile = opts.playbookFile ? path.resolve(opts.cwd, opts.playbookFile) : defaultPlaybook(projectDir);
  // The default playbook is found from the inventory's place: a mistyped inventory must not also report a
  // missing playbook somewhere above it.
  const defaultUnknown = !opts.playbookFile && !(await exists(inventoryFile));
  const defaultMissing = !opts.playbookFile && !defaultUnknown && !(await exists(playbookFile));
  if (defaultMissing) problems.add({ file: playbookFile, line: 1, col: 1 }, "", await defaultPlaybookMissing(inventoryFile, projectDir));
  const loadedPlaybook = defaultUnknown || defaultMissing ? undefined : await readPlaybook(playbookFile, problems);

  // Roles, each loaded once however many plays use it.
  const roles = new Map<string, LoadedRole>();
  const missing = new Set<string>();
  const playRoleOrders = (loadedPlaybook?.plays ?? []).map((loaded) => loaded.play.roles.map((ref) => ref.name));
  for (const loaded of loadedPlaybook?.plays ?? []) {
    for (const [j, ref] of loaded.play.roles.entries()) {
      if (roles.has(ref.name)) continue;
      const from = { location: ref.location, path: loaded.rolePaths[j]! };
      if (missing.has(ref.name)) {
        problems.add(from.location, from.path, `role \`${ref.name}\` could not be loaded (see above)`);
        continue;
      }
      const role = await loadRole(ref.name, projectDir, from, problems, [path.dirname(playbookFile), path.dirname(inventoryFile)]);
      if (role) await checkRoleAnsibleFiles(ref.name, role.role.dir, problems, playRoleOrders.filter((order) => order.includes(ref.name)));
      if (role) roles.set(ref.name, role);
      else missing.add(ref.name);
    }
  }

  const loadedInventory = await inventoryLoading;
  const secrets = new Set<string>(loadedInventory?.secrets);

  // `-e @vault.yaml` is decrypted with the same password sources as the inventory's vars files
  // (--vault-password-file, the environment, the inventory's vault_password_file, a prompt).
  let asked: Promise<VaultPassword> | undefined;
  const password =
    opts.password ??
    (() =>
      (asked ??= resolveVaultPassword({
        file: opts.vaultPasswordFile,
        env: opts.env ?? process.env,
        inventoryFile: loadedInventory?.inventory.settings.vaultPasswordFile,
        label: "-e vars file",
      })));
  const extraVars: Vars = await parseExtraVars(opts.extraVars ?? [], { cwd: opts.cwd, problems, secrets, password });

  // Ansible's group_vars/ and host_vars/ next to the playbook or in the project (the inventory's own are
  // refused with it): never read, their vars would silently not apply.
  if (loadedPlaybook) await checkVarsDirs([projectDir, path.dirname(playbookFile)].filter((d) => d !== path.dirname(inventoryFile)), problems);

  // Cross-references per play.
  const playFiles = await listPlayFiles(projectDir);
  const reported = new Set<string>();
  // Hosts whose definition is invalid (already reported) still count: a pattern naming them is not wrong.
  const declared = loadedInventory && declaredHosts(loadedInventory.hostNames, loadedInventory.members);
  for (const loaded of loadedPlaybook?.plays ?? []) {
    if (declared && loaded.play.hosts !== "") {
      const { hosts, problems: patternProblems } = resolvePattern(loaded.play.hosts, declared);
      const at = [loaded.index, "hosts"];
      for (const message of patternProblems) problems.add(loaded.hostsLocation, formatPath(at), message);
      if (patternProblems.length === 0 && hosts.length === 0) {
        problems.add(loaded.hostsLocation, formatPath(at), `pattern \`${loaded.play.hosts}\` matches no host of ${path.basename(inventoryFile)}`);
      }
    }
    checkNotify(loaded, roles, problems, reported);
    checkHandlerNames(loaded, roles, projectDir, problems, reported);
    if (loadedInventory) checkDelegates(loaded, roles, loadedInventory.hostNames, problems, reported);
    for (const parsed of loaded.parsed) checkFileRefs(parsed, playFiles, problems);
  }
  if (loadedInventory && loadedPlaybook) {
    const inputs = { inventory: loadedInventory, playbookSource: loadedPlaybook.source, plays: loadedPlaybook.plays, roles, extraVars };
    checkModeVars(inputs, projectDir, problems);
  }
  // Only templates tasks name literally; one an expression names is checked when it renders.
  const templateProblems = await checkPlayTemplates(loadedPlaybook?.plays ?? [], playFiles);
  for (const { role } of roles.values()) {
    templateProblems.push(...(await checkNamedTemplates(role.dir, role.templates, namedTemplates([...role.tasks, ...role.handlers]))));
  }
  for (const message of templateProblems) problems.add(message.location, "", message.message);

  for (const value of loadedPlaybook?.source.secrets ?? []) secrets.add(value);
  for (const role of roles.values()) for (const value of role.secrets) secrets.add(value);
  const plays = loadedPlaybook?.plays.map((loaded) => loaded.play) ?? [];
  addSecretVarValues(projectVarMaps(loadedInventory?.inventory, plays, [...roles.values()].map((r) => r.role), extraVars), secrets);
  problems.throwIfAny(secrets);
  const roleMap = new Map<string, Role>([...roles].map(([name, r]) => [name, r.role]));
  return {
    inventory: loadedInventory!.inventory,
    playbook: loadedPlaybook!.playbook,
    roles: roleMap,
    extraVars,
    secrets,
  };
}
