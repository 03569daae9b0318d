// A play written the Ansible way: `vars: { ansible_user: deploy }` was an ordinary var (the play logged in as
// before, silently), and `hosts: [web, db]` got "expected a string, got a list".
import { describe, expect, it } from "vitest";
import { projectProblems } from "./temp-project.js";

const ROLE = { "roles/web/tasks/main.yaml": '- command: "true"\n' };

describe("Ansible's habits in a play", () => {
  it("connection vars in play vars and role vars name the deploy way, as in the inventory", async () => {
    expect(await projectProblems({
      ...ROLE,
      "playbooks/site.yaml": "- hosts: web\n  vars: { ansible_user: deploy, ansible_port: 2222 }\n  roles:\n    - { role: web, vars: { ansible_become: true } }\n",
    })).toEqual([
      "playbooks/site.yaml:2:11: [0].vars.ansible_user: `ansible_user` does nothing in deploy: a host setting in deploy: `user:` under the host in hosts: (group and global vars cannot set it: share it with a YAML anchor, `<<: *defaults`)",
      "playbooks/site.yaml:2:33: [0].vars.ansible_port: `ansible_port` does nothing in deploy: a host setting in deploy: `port:` under the host in hosts: (group and global vars cannot set it: share it with a YAML anchor, `<<: *defaults`)",
      "playbooks/site.yaml:4:28: [0].roles[0].vars.ansible_become: `ansible_become` does nothing in deploy: write `become:` on the host in hosts:, on a play or on a task",
    ]);
  });

  it("hosts: as a list says to write the pattern", async () => {
    expect(await projectProblems({ "playbooks/site.yaml": "- hosts: [web, db-01]\n  tasks: []\n" })).toEqual([
      "playbooks/site.yaml:1:10: [0].hosts: a play's hosts is one pattern, not a list: write `hosts: web,db-01` (hosts of any of them)",
    ]);
  });

  it("the valid neighbours load: the user's own ansible_* var, become on the play, a pattern of several names", async () => {
    expect(await projectProblems({
      ...ROLE,
      "playbooks/site.yaml": "- hosts: web,db-01\n  become: true\n  vars: { ansible_release: bookworm, user: app }\n  roles:\n    - { role: web, vars: { port: 2222 } }\n- hosts: \"web:db\"\n  tasks: []\n",
    })).toEqual([]);
  });
});
