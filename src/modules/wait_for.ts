// `wait_for`: until a TCP port (on the host, or reachable from it) or an HTTP URL answers — or stops
// answering. The probe checks once; apply polls on the host itself with its own deadline, so a slow
// service costs one round trip, not one per poll.
import { z } from "zod";
import type { Module, Plan } from "./types.js";
import { scriptProbe } from "./lib/lookup.js";
import { fact, hasFact, parseProbe } from "./lib/probe.js";
import { tail } from "./lib/tail.js";
import { checkOnceScript, describeTarget, urlTarget, waitScript, type WaitTarget } from "./system/wait-check.js";

const hostName = z.string().regex(/^[A-Za-z0-9.:_-]+$/, "not a host name or IP address");

export const waitForSchema = z
  .strictObject({
    port: z.number().int().min(1).max(65535).optional().describe("TCP port to wait for (on `host`)."),
    host: hostName.optional().describe("Address to connect to from the target, with port. Default 127.0.0.1."),
    url: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, "must be an http:// or https:// URL")
      .refine((u) => URL.canParse(u), "is not a valid URL")
      .optional()
      .describe("HTTP(S) URL fetched from the target (GET; certificates are not verified)."),
    status_code: z
      .union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)])
      .optional()
      .describe("With url: statuses that count as answering (default any 2xx or 3xx)."),
    state: z
      .enum(["started", "stopped"])
      .default("started")
      .describe("started: wait until it answers; stopped: wait until it no longer answers."),
    timeout: z.number().positive().default(60).describe("Seconds to wait before failing."),
    delay: z.number().nonnegative().default(0).describe("Seconds to wait before the first check."),
    // Short: a service usually answers within a second of its start, and each check is one cheap probe.
    sleep: z.number().positive().default(0.25).describe("Seconds between checks (fractions allowed)."),
  })
  .superRefine((p, issue) => {
    if ((p.port === undefined) === (p.url === undefined)) issue.addIssue({ code: "custom", message: "give exactly one of port and url" });
    if (p.url !== undefined && p.host !== undefined) issue.addIssue({ code: "custom", path: ["host"], message: "host goes with port; a url names its host" });
    if (p.port !== undefined && p.status_code !== undefined) issue.addIssue({ code: "custom", path: ["status_code"], message: "status_code goes with url" });
  })
  .describe("Wait until a port or URL answers (or stops answering) on the target.");

export type WaitForParams = z.infer<typeof waitForSchema>;

export function waitTarget(params: WaitForParams): WaitTarget {
  if (params.url !== undefined) {
    const codes = params.status_code === undefined ? [] : Array.isArray(params.status_code) ? params.status_code : [params.status_code];
    return urlTarget(params.url, codes);
  }
  return { kind: "port", host: params.host ?? "127.0.0.1", port: params.port ?? 0 };
}

export const waitForModule: Module<WaitForParams, undefined> = {
  name: "wait_for",
  description: "Wait until a TCP port or an HTTP URL answers (or stops answering) on the target.",
  schema: waitForSchema,

  probe(params) {
    return scriptProbe(checkOnceScript(waitTarget(params)));
  },

  decide(params, _prepared, observed): Plan {
    const report = parseProbe(observed?.output ?? "");
    const what = describeTarget(waitTarget(params));
    const seen = fact(report, "seen") ?? "";
    if (hasFact(report, "no-tool")) return { kind: "fail", message: `wait_for ${what}: ${seen}` };
    const up = hasFact(report, "up");
    if (!up && !hasFact(report, "down")) return { kind: "fail", message: `wait_for ${what}: unexpected check output: ${tail(observed?.output ?? "", 3)}` };
    if (params.state === "started" && up) return { kind: "ok", summary: `${what} answers` };
    if (params.state === "stopped" && !up) return { kind: "ok", summary: `${what} does not answer` };
    const verb = params.state === "started" ? "answers" : "stops answering";
    return { kind: "change", summary: `wait until ${what} ${verb} (up to ${params.timeout}s; now: ${seen})` };
  },

  async apply(params, _prepared, _change, ctx) {
    const target = waitTarget(params);
    const what = describeTarget(target);
    const want = params.state === "started" ? "up" : "down";
    const script = waitScript(target, want, { timeout: params.timeout, delay: params.delay, sleep: params.sleep });
    const result = await ctx.run(script, { timeoutMs: (params.delay + params.timeout + 30) * 1000 });
    if (result.exitCode !== 0) {
      const why = tail(result.stderr || result.stdout, 2);
      const verb = want === "up" ? "did not answer" : "still answers";
      return { changed: false, failed: `${what} ${verb} within ${params.timeout}s${why ? ` (${why})` : ""}` };
    }
    const waited = fact(parseProbe(result.stdout), "waited") ?? "?";
    // Waiting changes nothing on the host: reported ok (as Ansible), so it never triggers handlers.
    return { changed: false, summary: `${what} ${want === "up" ? "answered" : "stopped answering"} after ${waited}s` };
  },
};
