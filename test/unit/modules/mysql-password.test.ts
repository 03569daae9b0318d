import { describe, expect, it } from "vitest";
import { cachingSha2Matches, nativePasswordHash, passwordMatches, sha256CryptDigest } from "../../../src/modules/mysql/password.js";

// caching_sha2_password string MySQL 8 stored for `CREATE USER 'foo'@'%' IDENTIFIED BY 'foobar'`
// (the vector TiDB's and go-mysql's tests use), as HEX(authentication_string).
const FOOBAR_SHA2 =
  "24412430303524031A69251C34295C4B35167C7F1E5A7B63091349503974624D34504B5A424679354856336868686F52485A736E4A733368786E427575516C73446469496537";

describe("mysql_native_password", () => {
  it("is * + upper hex of sha1(sha1(pw)), as MariaDB's PASSWORD() prints it", () => {
    // PASSWORD('secret') on MariaDB 10.11.
    expect(nativePasswordHash("secret")).toBe("*14E65567ABDB5135D0CFD9A70B3032C179A49EE7");
    expect(nativePasswordHash("")).toBe("");
  });

  it("matches the stored hex string, and only for the right password", () => {
    const hex = Buffer.from("*14E65567ABDB5135D0CFD9A70B3032C179A49EE7").toString("hex").toUpperCase();
    expect(passwordMatches({ plugin: "mysql_native_password", hex }, "secret")).toBe(true);
    expect(passwordMatches({ plugin: "mysql_native_password", hex }, "Secret")).toBe(false);
    // root on Debian's MariaDB: "invalid" + unix_socket; any password is a change.
    expect(passwordMatches({ plugin: "mysql_native_password", hex: Buffer.from("invalid").toString("hex") }, "x")).toBe(false);
    expect(passwordMatches({ plugin: "unix_socket", hex: "" }, "")).toBe(false);
  });
});

describe("SHA-256 crypt and caching_sha2_password", () => {
  // Expected digests from glibc's crypt("$5$rounds=N$salt") (Python's crypt module on this machine).
  it.each([
    ["password", "saltstringsaltst", 5000, "Ekah6lEFydzYloW2P/P45IGa7Yv0vGRQi.McSitgqd9"],
    ["", "abc", 5000, "bBHLwRRW2Li0XKaX13kz/g2fkDil4Jx46aNvd.48MS8"],
    ["x".repeat(70), "0123456789abcdef", 5000, "PtktarChupU2HspS5L2tzUZeyI7SEI/LGbCZCyq.ic5"],
    ["pässwörd", "abc", 5000, "cgcp2e9c21faVh2fikKWNSIEdf8n1mYAJJcgUrG8di/"],
    ["foobar", "abc", 1000, "zit3L8UBtQ8JUfg5hVud/un.Kwwlhb3KMF5f9XeXus7"],
  ])("digest of %j with salt %s, %i rounds", (password, salt, rounds, digest) => {
    expect(sha256CryptDigest(Buffer.from(password, "utf8"), Buffer.from(salt), rounds)).toBe(digest);
  });

  it("verifies a string MySQL 8 stored (20-byte binary salt)", () => {
    const stored = Buffer.from(FOOBAR_SHA2, "hex");
    expect(cachingSha2Matches(stored, "foobar")).toBe(true);
    expect(cachingSha2Matches(stored, "foobaz")).toBe(false);
    expect(passwordMatches({ plugin: "caching_sha2_password", hex: FOOBAR_SHA2 }, "foobar")).toBe(true);
    expect(passwordMatches({ plugin: "caching_sha2_password", hex: FOOBAR_SHA2 }, "not-foobar")).toBe(false);
  });

  it("rejects malformed strings instead of matching them", () => {
    expect(cachingSha2Matches(Buffer.from("$A$005$short"), "x")).toBe(false);
    expect(cachingSha2Matches(Buffer.from("*14E65567ABDB5135D0CFD9A70B3032C179A49EE7"), "secret")).toBe(false);
    expect(passwordMatches({ plugin: "sha256_password", hex: FOOBAR_SHA2 }, "foobar")).toBe(false);
  });
});
