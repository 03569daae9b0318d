// The engine's view of vars, expressions and templates for one project (it implements the engine's Evaluator
// interface). Vars by precedence are merged once per (host, play, role reference) and reused for every task;
// `groups` and `hosts` views are built once per run.
import type { Play, Project, RoleRef, Vars } from "../config/model.js";
import { expressionScope, groupsView, hostVars, hostView, hostsView, type HostView } from "../config/vars.js";
import type { Evaluator } from "../engine/evaluator.js";
import { TemplateFiles } from "./ejs.js";
import { ExpressionEngine } from "./expressions.js";

/** The engine's Evaluator, plus the vars of a host by precedence (cached). */
export interface ProjectEvaluator extends Evaluator {
  vars(hostName: string, play: Play, roleRef?: RoleRef): Vars;
}

export function createEvaluator(project: Project): ProjectEvaluator {
  const expressions = new ExpressionEngine();
  const templates = new TemplateFiles(expressions);
  const NO_ROLE = {};
  const varsCache = new WeakMap<Play, Map<string, WeakMap<object, Vars>>>();
  const viewCache = new Map<string, HostView>();
  let groups: Record<string, string[]> | undefined;
  let hosts: Record<string, HostView> | undefined;

  const vars = (hostName: string, play: Play, roleRef?: RoleRef): Vars => {
    let byHost = varsCache.get(play);
    if (!byHost) varsCache.set(play, (byHost = new Map()));
    let byRole = byHost.get(hostName);
    if (!byRole) byHost.set(hostName, (byRole = new WeakMap()));
    const key = roleRef ?? NO_ROLE;
    let merged = byRole.get(key);
    if (!merged) byRole.set(key, (merged = hostVars(project, hostName, play, roleRef)));
    return merged;
  };

  return {
    vars,
    scope(request) {
      const name = request.host.name;
      let view = viewCache.get(name);
      if (!view) viewCache.set(name, (view = hostView(project.inventory, request.host)));
      groups ??= groupsView(project.inventory);
      hosts ??= hostsView(project.inventory);
      return expressionScope({
        vars: vars(name, request.play, request.roleRef),
        host: view,
        facts: request.facts,
        groups,
        hosts,
        registered: request.registered,
        item: request.item,
      });
    },
    render: (value, scope, where) => expressions.render(value, scope, where),
    test: (condition, scope, where) => expressions.test(condition, scope, where),
    renderTemplateFile: (absPath, scope) => templates.render(absPath, scope),
  };
}
