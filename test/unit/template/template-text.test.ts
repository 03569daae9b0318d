import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../../src/config/project.js";
import { renderTemplateFile } from "../../../src/template/ejs.js";
import { invalidUtf8Offset } from "../../../src/util/utf8.js";
import { INVENTORY, problemLines, tempProject } from "../config/temp-project.js";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0xff]);
const HINT = "a template is read as UTF-8; save it as UTF-8, or, to send the file byte for byte, put it in files/ and use `copy`";

describe("a template that is not UTF-8 text", () => {
  it("is refused at load time at its first bad byte; a binary file of files/ for `copy` is fine", async () => {
    const dir = tempProject({
      "inventory/i.yaml": INVENTORY,
      "playbooks/site.yaml": "- hosts: web\n  roles: [web]\n",
      "roles/web/tasks/main.yaml":
        "- template: { src: motd.ejs, dest: /etc/motd }\n- copy: { src: logo.png, dest: /var/www/logo.png }\n- template: { src: fine.ejs, dest: /etc/fine }\n",
      // "café" in Latin-1: é is the single byte 0xe9.
      "roles/web/templates/motd.ejs": Buffer.concat([Buffer.from("Welcome to <%- host.name %>\nLe caf"), Buffer.from([0xe9]), Buffer.from("\n")]),
      "roles/web/templates/fine.ejs": "déjà vu ✓\n",
      "roles/web/files/logo.png": PNG,
    });
    expect(await problemLines(dir, () => loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml" }))).toEqual([
      `roles/web/templates/motd.ejs:2:7: not UTF-8 text (byte 0xe9): ${HINT}`,
    ]);
  });

  it("is refused when it renders too (a play's own templates/ is not compiled at load time)", async () => {
    const dir = tempProject({ "templates/logo.ejs": PNG });
    await expect(renderTemplateFile(path.join(dir, "templates/logo.ejs"), {})).rejects.toThrow(`logo.ejs:1: not UTF-8 text (byte 0x89): ${HINT}`);
  });
});

describe("invalidUtf8Offset", () => {
  it("points at the byte that starts the bad sequence", () => {
    const at = (...bytes: number[]) => invalidUtf8Offset(Buffer.from(bytes));
    expect(at(0x61, 0xe2, 0x9c, 0x93)).toBeUndefined(); // a✓
    expect(at(0x61, 0xe2, 0x28, 0xa1)).toBe(1); // a lead byte without its continuation
    expect(at(0x61, 0x62, 0xe2, 0x9c)).toBe(2); // cut short at the end
    expect(at(0xc0, 0xaf)).toBe(0); // overlong "/"
    expect(at(0x61, 0xed, 0xa0, 0x80)).toBe(1); // a UTF-16 surrogate
    expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(0); // past U+10FFFF
    expect(at(0x61, 0x80)).toBe(1); // a continuation byte alone
  });
});
