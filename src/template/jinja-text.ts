// Jinja statements in a template's text. Templates copied from an Ansible role are Jinja: EJS would write
// `{% if %}` out as text and the task would report ok. A statement (`{% if %}`, `{% for %}`..., rare in
// config files that are not Jinja themselves) is refused at its line, with the EJS to write. Text inside EJS
// tags is the template's code (`<%- "{% if x %}" %>` prints it on purpose). `{{ }}` alone is left alone: Go
// templates and some configs use it as text. Used where a template is checked: at load for the ones tasks
// name, when it renders for the ones an expression names.

const STATEMENT = /\{%[-+]?\s*(if|elif|else|endif|for|endfor|set|endset|macro|endmacro|include|import|from|block|endblock|extends|raw|endraw|with|endwith|filter|endfilter|call|endcall)\b[\s\S]*?%\}/;

/** What to write in EJS for Jinja: said by the name check and the text check. */
export const EJS_HINT = "deploy's templates are EJS: `{{ x }}` is `<%- x %>`, `{% if x %}...{% endif %}` is `<% if (x) { %>...<% } %>`, `{% for h in list %}` is `<% for (const h of list) { %>`";

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

/** The first Jinja statement written as the template's text, with its line and column, and the message for it. */
export function jinjaStatement(text: string): { line: number; col: number; message: string } | undefined {
  const m = STATEMENT.exec(outsideTags(text));
  if (!m) return undefined;
  const statement = text.slice(m.index, m.index + m[0].length);
  const before = text.slice(0, m.index).split("\n");
  const shown = statement.length > 40 ? statement.slice(0, 40) + "…" : statement;
  return {
    line: before.length,
    col: before[before.length - 1]!.length + 1,
    message: `\`${shown}\` is a Jinja statement, which EJS writes out as text: ${EJS_HINT} (for a literal \`{%\`, write \`<%- '{%' %>\`)`,
  };
}
