import { describe, expect, it } from "vitest";
import { firstNameserver, mirrorFromDeb822, mirrorFromSourcesList } from "../../../src/lab/mirror.js";

const deb822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
`;

describe("mirror and DNS from the machine's configuration", () => {
  it("takes the URI of the deb822 stanza serving the suite", () => {
    expect(mirrorFromDeb822(deb822, "bookworm")).toBe("http://deb.debian.org/debian");
    expect(mirrorFromDeb822(deb822, "trixie")).toBeUndefined();
  });

  it("skips disabled and deb-src stanzas", () => {
    const text = `Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nEnabled: no\n\nTypes: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\nTypes: deb deb-src\nURIs: http://mirror.example/debian http://other.example\nSuites: bookworm\n`;
    expect(mirrorFromDeb822(text, "bookworm")).toBe("http://mirror.example/debian");
  });

  it("reads one-line sources.list entries, with options and comments", () => {
    const text = `# deb http://commented.example/debian bookworm main\ndeb-src http://src.example/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main\n`;
    expect(mirrorFromSourcesList(text, "bookworm")).toBe("http://mirror.example/debian");
    expect(mirrorFromSourcesList("deb http://x/debian bookworm-updates main\n", "bookworm")).toBeUndefined();
  });

  it("takes the first nameserver", () => {
    expect(firstNameserver("# generated\nsearch lan\nnameserver 10.255.255.53\nnameserver 1.1.1.1\n")).toBe("10.255.255.53");
    expect(firstNameserver("search lan\n")).toBeUndefined();
  });
});
