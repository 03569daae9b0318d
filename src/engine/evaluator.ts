// What the engine needs from the expression and template layer (src/template, src/config/vars).
// Kept as an interface so the engine does not care how scopes are built or expressions compiled.
import type { Host, Play, RoleRef, Vars } from "../config/model.js";
import type { Facts } from "../facts/types.js";

export interface ScopeRequest {
  host: Host;
  play: Play;
  roleRef?: RoleRef;
  facts: Facts;
  /** This host's registered results so far. */
  registered: Vars;
  /** Present only inside a loop. */
  item?: { value: unknown };
}

export interface Evaluator {
  /** The full expression scope for a task of a host (vars by precedence, host, facts, groups, hosts, registered, item). */
  scope(request: ScopeRequest): Vars;
  /** Render `{{ expr }}` strings anywhere inside a value. `where` names the source for messages. */
  render(value: unknown, scope: Vars, where: string): unknown;
  /** Evaluate a condition (a bare expression or a boolean) to true/false. */
  test(condition: string | boolean, scope: Vars, where: string): boolean;
  /** Render an EJS template file strictly. */
  renderTemplateFile(absPath: string, scope: Vars): Promise<string>;
}
