import * as z from "zod/mini";
import { allIntegrationIds, missingIntegrations } from "../db/integrations";
import { InvalidParameter, ServiceUnavailable } from "../http/errors";
import { maxLength } from "../schema/length";
import { requireChannels } from "./integrations";
import { type AdminRequest, rerouteMany } from "./objects";

/**
 * What silences and inhibit rules share: the integrations (and channels) they are limited to,
 * the RE2 budget they share across the deployment, and telling the integrations they apply to.
 */

/** The RE2 instructions all live silences (or all inhibit rules) may compile to together. */
export const MAX_DEPLOYMENT_PROGRAM = 5_000;

export const Ids = (what: string, max: number) =>
	z
		.array(z.string({ error: `must be ${what} ids` }), { error: `must be a list of ${what} ids` })
		.check(maxLength(max, `must name at most ${max} ${what}s`));

export async function requireScope(db: D1Database, integrationIds: string[], channelIds: string[]) {
	const integrations = await missingIntegrations(db, integrationIds);
	if (integrations.length > 0) {
		throw new InvalidParameter(`integration_ids names no integration: ${integrations.join(", ")}`);
	}
	await requireChannels(db, channelIds, "channel_ids");
}

/** How to apply a new rule whose news did not reach every integration: a PATCH with no change. */
export const PATCH_TO_APPLY = (path: string, id: string) =>
	`send PATCH /api/v1/${path}/${id} with {} to apply it (repeating the POST would make a second one)`;

/**
 * The integrations a change applies to get their new routing before the API answers: those
 * listed, or all of them when a rule is not limited to some. `scopes` are the rule's integration
 * lists (before and after a change). If one cannot be told, the change is saved in D1: the 503
 * says what is saved and how to apply it.
 */
export async function applied(
	c: AdminRequest,
	scopes: readonly (readonly string[])[],
	what: string,
	retry: string,
): Promise<void> {
	const all = scopes.some((list) => list.length === 0);
	const ids = all ? await allIntegrationIds(c.env.DB) : [...new Set(scopes.flat())];
	try {
		await rerouteMany(c, ids);
	} catch (error) {
		if (!(error instanceof ServiceUnavailable)) throw error;
		throw new ServiceUnavailable(
			"IntegrationObjectUnavailable",
			`${what} is saved but did not reach every integration yet: ${retry}`,
		);
	}
}
