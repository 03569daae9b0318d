import { describe, expect, it } from "vitest";
import { connectionLost, mapConnectError, viaJump, type HandshakeContext } from "../../../src/connection/ssh-errors.js";
import { ConnectionError, type ConnectionTarget } from "../../../src/connection/types.js";

const target: ConnectionTarget = {
  name: "web-01",
  address: "10.77.0.11",
  port: 22,
  user: "deploy",
  identityFiles: ["/k"],
  become: false,
  connectTimeoutMs: 5000,
  hostKeyPolicy: "strict",
  knownHostsFiles: [],
};

function ctx(over: Partial<HandshakeContext> = {}): HandshakeContext {
  return { target, knownKeyTypes: [], authMethods: ["key /k", "ssh-agent"], ...over };
}

const err = (message: string, extra: Record<string, unknown>) => Object.assign(new Error(message), extra);

describe("mapping ssh2 failures", () => {
  it.each([
    [err("connect ECONNREFUSED", { level: "client-socket", code: "ECONNREFUSED" }), "unreachable", "connection refused by 10.77.0.11 (is sshd running?)"],
    [err("connect EHOSTUNREACH", { level: "client-socket", code: "EHOSTUNREACH" }), "unreachable", "no route to 10.77.0.11 (host down or not on this network)"],
    [err("Timed out while waiting for handshake", { level: "client-timeout" }), "timeout", "no SSH answer from 10.77.0.11 within 5s"],
    [err("getaddrinfo ENOTFOUND", { level: "client-dns" }), "unreachable", "cannot resolve 10.77.0.11"],
    [err("All configured authentication methods failed", { level: "client-authentication" }), "auth-failed", "authentication failed for deploy@10.77.0.11 (tried: key /k, ssh-agent)"],
  ])("%s -> %s", (error, kind, message) => {
    const mapped = mapConnectError(error, ctx());
    expect(mapped).toBeInstanceOf(ConnectionError);
    expect([mapped.kind, mapped.message, mapped.hostName]).toEqual([kind, message, "web-01"]);
    expect(mapped.cause).toBe(error);
  });

  it("prefers the host key check's own refusal over ssh2's generic message", () => {
    const refusal = new ConnectionError("host-key-changed", "web-01", "host key changed");
    expect(mapConnectError(err("Host denied (verification failed)", { level: "handshake" }), ctx({ hostKeyFailure: refusal }))).toBe(refusal);
  });

  it("a server offering none of the recorded key types is a changed key", () => {
    const mapped = mapConnectError(err("Handshake failed: no matching host key format", { level: "handshake" }), ctx({ knownKeyTypes: ["ssh-ed25519"] }));
    expect(mapped.kind).toBe("host-key-changed");
  });

  it("names the hop for jump failures and keeps the kind", () => {
    const inner = new ConnectionError("auth-failed", "bastion", "authentication failed for x@y");
    const outer = viaJump(inner, { ...target, name: "bastion" }, "db-01");
    expect([outer.kind, outer.hostName, outer.message]).toEqual(["auth-failed", "db-01", "jump host bastion: authentication failed for x@y"]);
  });

  it("describes a lost connection in one line", () => {
    expect(connectionLost(target, err("Keepalive timeout", { level: "client-timeout" })).message).toBe(
      "connection to 10.77.0.11 lost: no keepalive answer (host down or network cut)",
    );
    expect(connectionLost(target, undefined).kind).toBe("connection-lost");
  });
});
