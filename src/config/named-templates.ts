// The load-time check of templates: the ones a task names literally, and the files those include by a
// literal name, each read once, compiled (EJS syntax, includes that are missing or leave templates/) and
// looked at for Jinja statements. Other files under templates/ are no task's template as far as load can
// tell: a Jekyll layout or a Home Assistant config holding `<%` or `{% if %}` must not stop the project. A
// template an expression names (`src: "{{ site }}.ejs"`) gets the same checks when it renders.
import path from "node:path";
import type { Location } from "./model.js";
import { insideDir } from "../util/inside-dir.js";
import { literalIncludes, readFailure, templateTextProblems } from "../template/ejs-compile.js";
import { jinjaStatement } from "../template/jinja-text.js";
import { NotUtf8Error, readTemplateText } from "../template/template-text.js";

/** `include('part')` names read from a template's code: relative to its own directory, `.ejs` added without an extension, as ejs does. */
function includedTemplates(text: string, rel: string): string[] {
  return literalIncludes(text).map(({ name }) =>
    path.posix.normalize(path.posix.join(path.posix.dirname(rel), path.posix.extname(name) ? name : `${name}.ejs`)),
  );
}

/**
 * Problems of the templates under `dir`/templates/ (a used role's, or the project's) that `named` lists
 * (relative to templates/) and of those they include: one read of each file.
 */
export async function checkNamedTemplates(
  dir: string,
  templates: readonly string[],
  named: ReadonlySet<string>,
): Promise<Array<{ location: Location; message: string }>> {
  const out: Array<{ location: Location; message: string }> = [];
  const known = new Set(templates);
  // A name no file has is reported by the task naming it (checkFileRefs), a .j2 by its name.
  const queue = [...named].filter((rel) => known.has(rel) && !/\.j2$/i.test(rel));
  const seen = new Set(queue);
  for (let rel = queue.shift(); rel !== undefined; rel = queue.shift()) {
    const file = path.join(dir, "templates", rel);
    try {
      // One linked out of its directory is never read here; the task that names it is refused (checkFileRefs).
      insideDir(dir, "templates", rel);
    } catch {
      continue;
    }
    let text: string;
    try {
      text = await readTemplateText(file);
    } catch (error: unknown) {
      const at = error instanceof NotUtf8Error ? error : { line: 1, col: 1 };
      out.push({ location: { file, line: at.line, col: at.col }, message: readFailure(error) });
      continue;
    }
    out.push(...templateTextProblems(text, file));
    const jinja = jinjaStatement(text);
    if (jinja) out.push({ location: { file, line: jinja.line, col: jinja.col }, message: jinja.message });
    for (const included of includedTemplates(text, rel)) {
      if (known.has(included) && !seen.has(included)) {
        seen.add(included);
        queue.push(included);
      }
    }
  }
  return out;
}
