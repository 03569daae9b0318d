// One module, one set of rendered params, on one host: validate -> prepare -> probe -> decide -> apply.
// The engine batches probes across tasks; this file holds the single-task path and the shared pieces,
// and is also what module end-to-end tests call directly.
import type { z } from "zod";
import type { Connection } from "../connection/types.js";
import type { ApplyContext, ApplyResult, Module, Plan, PrepareContext, ProbeOutput } from "../modules/types.js";
import type { Probe } from "../modules/lib/lookup.js";
import { paramErrors } from "../modules/lib/param-origin.js";
import { buildProbeBatch } from "./probe-batch.js";

/** Parameters that do not fit the module's schema, as one message per problem. */
export class ParamsError extends Error {
  override readonly name = "ParamsError";
  constructor(
    readonly moduleName: string,
    readonly issues: string[],
  ) {
    super(`${moduleName}: ${issues.join("; ")}`);
  }
}

/** Checks parameters at run time: rendered, so a value of the wrong type came from an expression (literal ones were checked at load time). */
export function parseParams<P>(module: Module<P, unknown>, params: unknown): P {
  const result = (module.schema as z.ZodType<P>).safeParse(params, { error: paramErrors("expression") });
  if (result.success) return result.data;
  throw new ParamsError(
    module.name,
    result.error.issues.map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message)),
  );
}

/** What a module needs on this host before anything is decided. */
export interface Prepared<P = unknown, S = unknown> {
  module: Module<P, S>;
  params: P;
  state: S;
  probe: Probe | undefined;
}

export async function prepareStep<P, S>(module: Module<P, S>, rawParams: unknown, ctx: PrepareContext): Promise<Prepared<P, S>> {
  const params = parseParams(module, rawParams);
  const state = module.prepare ? await module.prepare(params, ctx) : (undefined as S);
  return { module, params, state, probe: module.probe(params, state, ctx) };
}

export function decideStep<P, S>(prepared: Prepared<P, S>, observed: ProbeOutput | undefined, ctx: PrepareContext): Plan {
  return prepared.module.decide(prepared.params, prepared.state, observed, ctx);
}

export async function applyStep<P, S>(prepared: Prepared<P, S>, plan: Plan, ctx: ApplyContext): Promise<ApplyResult> {
  if (plan.kind === "ok") return { changed: false };
  if (plan.kind === "fail") return { changed: false, failed: plan.message };
  if (plan.kind === "blocked") return { changed: false, failed: plan.reason };
  return prepared.module.apply(prepared.params, prepared.state, plan, ctx);
}

/** Run the probe alone (one round trip). */
export async function probeStep(conn: Connection, probe: Probe | undefined): Promise<ProbeOutput | undefined> {
  if (!probe) return undefined;
  const { script, parse } = buildProbeBatch([probe]);
  const result = await conn.exec(script);
  return parse(result.stdout)[0];
}

export interface StepOutcome {
  plan: Plan;
  applied?: ApplyResult;
}

/** The whole single-task path: check, and in apply mode carry out the change. */
export async function runModuleStep<P, S>(
  module: Module<P, S>,
  rawParams: unknown,
  ctx: ApplyContext & PrepareContext,
  mode: "plan" | "apply",
): Promise<StepOutcome> {
  const prepared = await prepareStep(module, rawParams, ctx);
  const observed = await probeStep(ctx.conn, prepared.probe);
  const plan = decideStep(prepared, observed, ctx);
  if (mode === "plan" || plan.kind === "ok") return { plan };
  return { plan, applied: await applyStep(prepared, plan, ctx) };
}
