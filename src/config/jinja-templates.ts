// Templates copied from an Ansible role are Jinja: EJS would deploy `{% if %}` and `{{ web_port }}` verbatim,
// and the task would report ok. A template whose text holds a Jinja statement (`{% if %}`, `{% for %}`...,
// rare in config files that are not Jinja themselves) is refused at that line, with the EJS to write.
// `{{ }}` alone is left alone: Go templates and some configs use it as text.
import path from "node:path";
import type { Location } from "./model.js";
import { insideDir } from "../util/inside-dir.js";
import { readTemplateText } from "../template/template-text.js";

const STATEMENT = /\{%[-+]?\s*(if|elif|else|endif|for|endfor|set|endset|macro|endmacro|include|import|from|block|endblock|extends|raw|endraw|with|endwith|filter|endfilter|call|endcall)\b[\s\S]*?%\}/;

/** What to write in EJS for Jinja: said by both the name check and the text check. */
export const EJS_HINT = "deploy's templates are EJS: `{{ x }}` is `<%- x %>`, `{% if x %}...{% endif %}` is `<% if (x) { %>...<% } %>`, `{% for h in list %}` is `<% for (const h of list) { %>`";

/** `site.conf.j2` named by a task: Ansible's template extension, never an EJS template. */
export function jinjaNameProblem(src: string): string | undefined {
  if (!/\.j2$/i.test(src)) return undefined;
  return `\`${src}\` is a Jinja template (Ansible's .j2): ${EJS_HINT}; rename it \`${src.replace(/\.j2$/i, "")}.ejs\` once rewritten`;
}

/** Templates under `dir`/templates/ (a used role's, or the project's) whose text holds a Jinja statement. */
export async function checkJinjaTemplates(dir: string, templates: readonly string[]): Promise<Array<{ location: Location; message: string }>> {
  const out: Array<{ location: Location; message: string }> = [];
  for (const rel of templates) {
    // A .j2 is refused by name where a task names it; one no task names is never deployed.
    if (/\.j2$/i.test(rel)) continue;
    let text: string;
    try {
      insideDir(dir, "templates", rel);
      text = await readTemplateText(path.join(dir, "templates", rel));
    } catch {
      // Reported by the EJS compile check (checkTemplateFiles) or by the task naming it.
      continue;
    }
    const m = STATEMENT.exec(text);
    if (!m) continue;
    const before = text.slice(0, m.index).split("\n");
    const location = { file: path.join(dir, "templates", rel), line: before.length, col: before[before.length - 1]!.length + 1 };
    out.push({ location, message: `\`${m[0].length > 40 ? m[0].slice(0, 40) + "…" : m[0]}\` is a Jinja statement, which EJS writes out as text: ${EJS_HINT} (for a literal \`{%\`, write \`<%- '{%' %>\`)` });
  }
  return out;
}
