// Templates copied from an Ansible role are Jinja: EJS would deploy `{% if %}` and `{{ web_port }}` verbatim,
// and the task would report ok. A template a task names (or one it includes) whose text holds a Jinja
// statement (`{% if %}`, `{% for %}`..., rare in config files that are not Jinja themselves) is refused at
// that line, with the EJS to write. Only those: templates/ may also hold Jekyll, Home Assistant or Twig
// files that no task renders. Text inside EJS tags is the template's code (`<%- "{% if x %}" %>` prints
// it on purpose). `{{ }}` alone is left alone: Go templates and some configs use it as text.
import path from "node:path";
import type { Location, Task } from "./model.js";
import { hasTemplate } from "./tasks.js";
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

/** The templates (relative to templates/) that `template` tasks name literally; `{{ }}` sources are unknown until run time. */
export function namedTemplates(tasks: Iterable<Task>): Set<string> {
  const named = new Set<string>();
  for (const task of tasks) {
    const src = task.module === "template" ? task.params["src"] : undefined;
    if (typeof src === "string" && !hasTemplate(src)) named.add(path.posix.normalize(src.replace(/\\/g, "/")).replace(/\/$/, ""));
  }
  return named;
}

/**
 * The text with what EJS tags hold blanked (newlines kept, so positions stay): their code is JavaScript,
 * where `{%` is a string's text. `<%%` is EJS's literal `<%`, text.
 */
function outsideTags(text: string): string {
  let out = "";
  let i = 0;
  for (;;) {
    const open = text.indexOf("<%", i);
    if (open < 0) return out + text.slice(i);
    if (text[open + 2] === "%") {
      out += text.slice(i, open + 3);
      i = open + 3;
      continue;
    }
    const close = text.indexOf("%>", open + 2);
    const end = close < 0 ? text.length : close + 2;
    out += text.slice(i, open) + text.slice(open, end).replace(/[^\n]/g, " ");
    i = end;
  }
}

/** `include('part')` names read from a template's code: relative to its own directory, `.ejs` added without an extension, as ejs does. */
function includedTemplates(text: string, rel: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\binclude\(\s*(['"])([^'"\n]+)\1/g)) {
    const name = m[2]!;
    out.push(path.posix.normalize(path.posix.join(path.posix.dirname(rel), path.posix.extname(name) ? name : `${name}.ejs`)));
  }
  return out;
}

/**
 * Templates under `dir`/templates/ (a used role's, or the project's) that a task names, or that one of
 * those includes, whose text holds a Jinja statement: one problem per file, at its first statement.
 */
export async function checkJinjaTemplates(
  dir: string,
  templates: readonly string[],
  named: ReadonlySet<string>,
): Promise<Array<{ location: Location; message: string }>> {
  const out: Array<{ location: Location; message: string }> = [];
  const known = new Set(templates);
  const queue = [...named].filter((rel) => known.has(rel));
  const seen = new Set(queue);
  for (let rel = queue.shift(); rel !== undefined; rel = queue.shift()) {
    // A .j2 is refused by name where a task names it.
    if (/\.j2$/i.test(rel)) continue;
    let text: string;
    try {
      insideDir(dir, "templates", rel);
      text = await readTemplateText(path.join(dir, "templates", rel));
    } catch {
      // Reported by the EJS compile check (checkTemplateFiles) or by the task naming it.
      continue;
    }
    for (const included of includedTemplates(text, rel)) {
      if (known.has(included) && !seen.has(included)) {
        seen.add(included);
        queue.push(included);
      }
    }
    const plain = outsideTags(text);
    const m = STATEMENT.exec(plain);
    if (!m) continue;
    const statement = text.slice(m.index, m.index + m[0].length);
    const before = text.slice(0, m.index).split("\n");
    const location = { file: path.join(dir, "templates", rel), line: before.length, col: before[before.length - 1]!.length + 1 };
    out.push({ location, message: `\`${statement.length > 40 ? statement.slice(0, 40) + "…" : statement}\` is a Jinja statement, which EJS writes out as text: ${EJS_HINT} (for a literal \`{%\`, write \`<%- '{%' %>\`)` });
  }
  return out;
}
