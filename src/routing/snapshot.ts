import * as z from "zod/mini";
import { Grouping } from "../incidents/incident";
import { Target } from "../notify/target";
import { InhibitRule } from "./inhibit";
import { NO_PIPELINE, Pipeline } from "./pipeline";
import { type Routable, Routes, routeAlert } from "./rules";
import { SilenceRule } from "./silence";

/**
 * What an integration's Durable Object routes with, as of one config version: read from D1
 * when the version moves, kept in the object's storage, parsed with this schema when loaded.
 */
export const RoutingSnapshot = z.object({
	version: z.number(),
	/** A private integration's channel: every alert goes there, routes are not consulted. */
	channel_id: z.nullable(z.string()),
	routes: Routes,
	grouping: z.record(z.string(), Grouping),
	/** The notification targets of those channels (snapshots stored before 0.3.0: none). */
	targets: z._default(z.record(z.string(), z.array(Target)), {}),
	/** Where the deployment's API is, for links in notifications. */
	base_url: z.optional(z.string()),
	/** PUBLIC_URL, whose dashboard notifications link to; null when unset (they link to the API). */
	dashboard_url: z.optional(z.nullable(z.string())),
	/** Silences (and maintenance windows) that apply to the integration, not yet expired. */
	silences: z._default(z.array(SilenceRule), []),
	/** Inhibit rules that apply to the integration. */
	inhibit_rules: z._default(z.array(InhibitRule), []),
	/** The alert pipeline that reshapes each event before it is routed (snapshots stored before pipelines: none). */
	pipeline: z._default(Pipeline, NO_PIPELINE),
});
export type RoutingSnapshot = z.infer<typeof RoutingSnapshot>;

/** Before any routing is known: everything is unrouted (held, never dropped). */
export const NO_ROUTING: RoutingSnapshot = {
	version: 0,
	channel_id: null,
	routes: { rules: [], default_channel_id: null },
	grouping: {},
	targets: {},
	silences: [],
	inhibit_rules: [],
	pipeline: NO_PIPELINE,
};

/** A private integration's channel, else what the routes decide (empty: unrouted). */
export function channelsFor(alert: Routable, routing: RoutingSnapshot): string[] {
	return routing.channel_id !== null ? [routing.channel_id] : routeAlert(alert, routing.routes);
}

/**
 * Whether anything in the snapshot matches with RE2 (a regex condition of a route, a silence, an
 * inhibit rule or the pipeline, or a pipeline's extract): the object loads the engine before it
 * works with such a snapshot (src/routing/regex-engine.ts).
 */
export function usesRegex(routing: RoutingSnapshot): boolean {
	const regex = (conditions: readonly { op: string }[]) => conditions.some((c) => c.op === "regex");
	return (
		routing.routes.rules.some((rule) => regex(rule.conditions)) ||
		routing.silences.some((silence) => regex(silence.matchers)) ||
		routing.inhibit_rules.some(
			(rule) => regex(rule.source_matchers) || regex(rule.target_matchers),
		) ||
		routing.pipeline.rules.some((rule) => regex(rule.conditions) || rule.extract.length > 0)
	);
}
