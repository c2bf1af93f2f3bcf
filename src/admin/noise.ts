import { Hono } from "hono";
import * as z from "zod/mini";
import { type ApiAlert, iso, isoOrNull } from "../alerts/alert";
import { allIntegrationIds, missingIntegrations } from "../db/integrations";
import {
	allInhibitRules,
	deleteInhibitRule,
	findInhibitRule,
	getInhibitRule,
	getSilence,
	type InhibitRuleRow,
	insertInhibitRule,
	insertSilence,
	listInhibitRules,
	listSilences,
	liveSilences,
	MAX_INHIBIT_RULES,
	MAX_SILENCES,
	type SilenceRow,
	updateInhibitRule,
	updateSilence,
} from "../db/noise";
import type { AppEnv } from "../http/app-env";
import { pageOf } from "../http/cursor";
import { ok } from "../http/envelope";
import { Conflict, InvalidParameter, NotFound, ServiceUnavailable } from "../http/errors";
import { onlyMethods } from "../http/middleware";
import { parseOrThrow, parseQuery } from "../http/validation";
import { Matchers } from "../routing/matchers";
import { regexCost } from "../routing/rules";
import { Schedule } from "../routing/schedule";
import { nextSilenceChange, type SilenceRule, silenceStatus } from "../routing/silence";
import { unknownFieldOr } from "../schema/messages";
import { readJsonBody } from "./body";
import { definedOnly } from "./channels";
import { CreatedPageQuery, Description, LabelNames } from "./fields";
import { requireChannels } from "./integrations";
import { type AdminRequest, rerouteMany } from "./objects";

/**
 * Silences (with maintenance windows) and inhibit rules. D1 holds them; each change is copied
 * into the routing snapshot of every integration it applies to (and applied to what fires there)
 * before the API answers, so a push still reads nothing from D1.
 */

/** The RE2 instructions all live silences (or all inhibit rules) may compile to together. */
const MAX_DEPLOYMENT_PROGRAM = 5_000;
/** Objects asked at once for a preview; more wait for the next group. */
const FAN_OUT = 10;
/** Firing alerts a preview lists at most. */
const PREVIEW_LIMIT = 100;

const Time = z.pipe(
	z.iso.datetime({ offset: true, error: "must be an ISO 8601 time such as 2026-11-22T18:00:00Z" }),
	z.transform((text: string) => Date.parse(text)),
);

const Text = (max: number) =>
	z
		.string({ error: "is required" })
		.check(
			z.trim(),
			z.minLength(1, `must be 1 to ${max} characters`),
			z.maxLength(max, `must be 1 to ${max} characters`),
		);

const Ids = (what: string, max: number) =>
	z
		.array(z.string({ error: `must be ${what} ids` }), { error: `must be a list of ${what} ids` })
		.check(z.maxLength(max, `must name at most ${max} ${what}s`));

const SilenceFields = {
	matchers: Matchers,
	starts_at: Time,
	ends_at: z.nullable(Time),
	schedule: z.nullable(Schedule),
	comment: Text(1000),
	created_by: Text(100),
	integration_ids: Ids("integration", 100),
	channel_ids: Ids("channel", 20),
};

export const CreateSilence = z.strictObject(
	{
		...SilenceFields,
		starts_at: z.optional(Time),
		ends_at: z.optional(z.nullable(Time)),
		schedule: z._default(z.nullable(Schedule), null),
		integration_ids: z._default(SilenceFields.integration_ids, []),
		channel_ids: z._default(SilenceFields.channel_ids, []),
	},
	{ error: unknownFieldOr("must be a JSON object") },
);

/** PATCH: any of the fields, each checked as on create. */
export const UpdateSilence = z.partial(
	z.strictObject(SilenceFields, { error: unknownFieldOr("must be a JSON object") }),
);

const RuleFields = {
	source_matchers: Matchers,
	target_matchers: Matchers,
	equal: LabelNames(20),
	comment: Description,
	integration_ids: Ids("integration", 100),
};

export const CreateInhibitRule = z.strictObject(
	{
		...RuleFields,
		equal: z._default(RuleFields.equal, []),
		comment: z._default(RuleFields.comment, ""),
		integration_ids: z._default(RuleFields.integration_ids, []),
	},
	{ error: unknownFieldOr("must be a JSON object") },
);

export const UpdateInhibitRule = z.partial(
	z.strictObject(RuleFields, { error: unknownFieldOr("must be a JSON object") }),
);

export const noise = new Hono<AppEnv>();

noise
	.post("/silences", async (c) => {
		const body = parseOrThrow(CreateSilence, await readJsonBody(c.req.raw));
		const now = Date.now();
		const row = await checkedSilence(
			c.env.DB,
			now,
			{
				id: crypto.randomUUID(),
				...body,
				starts_at: body.starts_at ?? now,
				ends_at: body.ends_at ?? null,
				created_at: now,
				updated_at: now,
			},
			{ endsAtGiven: body.ends_at !== undefined },
		);
		if (!(await insertSilence(c.env.DB, row, now))) {
			throw new Conflict(
				"SilenceLimitReached",
				`this deployment already has ${MAX_SILENCES} silences that have not expired, the most it holds: expire some first`,
			);
		}
		await applied(c, row.integration_ids, `silence ${row.id}`, PATCH_TO_APPLY("silences", row.id));
		return ok(c, silenceToApi(row, now), 201);
	})
	.get("/silences", async (c) => {
		const query = parseQuery(CreatedPageQuery, c.req.query());
		const rows = await listSilences(c.env.DB, { limit: query.limit + 1, after: query.cursor });
		const { page, next_cursor } = pageOf(rows, query.limit, (last) => [last.created_at, last.id]);
		const now = Date.now();
		return ok(c, { silences: page.map((row) => silenceToApi(row, now)), next_cursor });
	})
	.all("/silences", onlyMethods("GET", "POST"));

noise
	.post("/silences/preview", async (c) => {
		const body = parseOrThrow(CreateSilence, await readJsonBody(c.req.raw));
		await requireScope(c.env.DB, body.integration_ids, body.channel_ids);
		const silence: SilenceRule = {
			id: "preview",
			matchers: body.matchers,
			starts_at: 0,
			ends_at: null,
			schedule: null,
			channel_ids: body.channel_ids,
		};
		const ids =
			body.integration_ids.length > 0 ? body.integration_ids : await allIntegrationIds(c.env.DB);
		const alerts: Array<ApiAlert & { integration_id: string }> = [];
		// One more than is listed, so `truncated` is known.
		for (let start = 0; start < ids.length && alerts.length <= PREVIEW_LIMIT; start += FAN_OUT) {
			const found = await Promise.all(
				ids.slice(start, start + FAN_OUT).map(async (id) => {
					const firing = await c.env.INTEGRATION.getByName(id).previewSilence(
						silence,
						PREVIEW_LIMIT + 1,
					);
					return firing.map((alert) => ({ ...alert, integration_id: id }));
				}),
			);
			alerts.push(...found.flat());
		}
		return ok(c, {
			alerts: alerts.slice(0, PREVIEW_LIMIT),
			truncated: alerts.length > PREVIEW_LIMIT,
		});
	})
	.all("/silences/preview", onlyMethods("POST"));

noise
	.get("/silences/:id", async (c) => {
		return ok(c, silenceToApi(await requireSilence(c.env.DB, c.req.param("id")), Date.now()));
	})
	.patch("/silences/:id", async (c) => {
		const silence = await requireSilence(c.env.DB, c.req.param("id"));
		const change = parseOrThrow(UpdateSilence, await readJsonBody(c.req.raw));
		const now = Date.now();
		if (silenceStatus(silence, now) === "expired") {
			throw new Conflict(
				"SilenceExpired",
				`silence ${silence.id} has expired and cannot change: create a new one`,
			);
		}
		const defined = definedOnly(change) as Partial<SilenceRow>;
		const row = await checkedSilence(
			c.env.DB,
			now,
			{ ...silence, ...defined, updated_at: now },
			{ endsAtGiven: true, exclude: silence.id },
		);
		await updateSilence(c.env.DB, row);
		await applied(
			c,
			[silence.integration_ids, row.integration_ids],
			"the change",
			"repeat the PATCH",
		);
		return ok(c, silenceToApi(row, now));
	})
	.delete("/silences/:id", async (c) => {
		const silence = await requireSilence(c.env.DB, c.req.param("id"));
		const now = Date.now();
		// Expiring keeps the silence for the record (Alertmanager's DELETE does the same). One that
		// had not started yet starts and ends now, so it never muted anything. Repeating it tells
		// the integrations again.
		let row = silence;
		if (silenceStatus(silence, now) !== "expired") {
			row = {
				...silence,
				starts_at: Math.min(silence.starts_at, now),
				ends_at: now,
				updated_at: now,
			};
			await updateSilence(c.env.DB, row);
		}
		await applied(c, row.integration_ids, "the expiry", "repeat the DELETE");
		return ok(c, silenceToApi(row, now));
	})
	.all("/silences/:id", onlyMethods("GET", "PATCH", "DELETE"));

noise
	.post("/inhibit-rules", async (c) => {
		const body = parseOrThrow(CreateInhibitRule, await readJsonBody(c.req.raw));
		const now = Date.now();
		const row = await checkedRule(c.env.DB, {
			id: crypto.randomUUID(),
			...body,
			created_at: now,
			updated_at: now,
		});
		if (!(await insertInhibitRule(c.env.DB, row))) {
			throw new Conflict(
				"InhibitRuleLimitReached",
				`this deployment already has ${MAX_INHIBIT_RULES} inhibit rules, the most it holds: delete unused ones first`,
			);
		}
		await applied(
			c,
			row.integration_ids,
			`inhibit rule ${row.id}`,
			PATCH_TO_APPLY("inhibit-rules", row.id),
		);
		return ok(c, ruleToApi(row), 201);
	})
	.get("/inhibit-rules", async (c) => {
		const query = parseQuery(CreatedPageQuery, c.req.query());
		const rows = await listInhibitRules(c.env.DB, { limit: query.limit + 1, after: query.cursor });
		const { page, next_cursor } = pageOf(rows, query.limit, (last) => [last.created_at, last.id]);
		return ok(c, { inhibit_rules: page.map(ruleToApi), next_cursor });
	})
	.all("/inhibit-rules", onlyMethods("GET", "POST"));

noise
	.get("/inhibit-rules/:id", async (c) => {
		return ok(c, ruleToApi(await requireRule(c.env.DB, c.req.param("id"))));
	})
	.patch("/inhibit-rules/:id", async (c) => {
		const rule = await requireRule(c.env.DB, c.req.param("id"));
		const change = parseOrThrow(UpdateInhibitRule, await readJsonBody(c.req.raw));
		const defined = definedOnly(change) as Partial<InhibitRuleRow>;
		const row = await checkedRule(
			c.env.DB,
			{ ...rule, ...defined, updated_at: Date.now() },
			rule.id,
		);
		await updateInhibitRule(c.env.DB, row);
		await applied(c, [rule.integration_ids, row.integration_ids], "the change", "repeat the PATCH");
		return ok(c, ruleToApi(row));
	})
	.delete("/inhibit-rules/:id", async (c) => {
		// A rule deleted before is found again, so repeating a DELETE whose news did not reach
		// every integration tells them again.
		const found = await findInhibitRule(c.env.DB, c.req.param("id"));
		if (found === null) throw ruleNotFound(c.req.param("id"));
		await deleteInhibitRule(c.env.DB, found.row.id, Date.now());
		await applied(c, found.row.integration_ids, "the deletion", "repeat the DELETE");
		return ok(c, { id: found.row.id, deleted: true });
	})
	.all("/inhibit-rules/:id", onlyMethods("GET", "PATCH", "DELETE"));

/** The silence as saved, once its times, scope and regex cost are checked. */
async function checkedSilence(
	db: D1Database,
	now: number,
	row: SilenceRow,
	options: { endsAtGiven: boolean; exclude?: string },
): Promise<SilenceRow> {
	if (row.ends_at === null && row.schedule === null) {
		throw new InvalidParameter(
			options.endsAtGiven
				? "ends_at may be null only for a silence with a schedule (a maintenance window)"
				: "ends_at is required: an ISO 8601 time after starts_at (only a silence with a schedule may leave it out)",
		);
	}
	if (row.ends_at !== null && row.ends_at <= row.starts_at) {
		throw new InvalidParameter("ends_at must be after starts_at");
	}
	if (row.ends_at !== null && row.ends_at <= now) {
		throw new InvalidParameter("ends_at is in the past: a silence must end in the future");
	}
	await requireScope(db, row.integration_ids, row.channel_ids);
	const others = (await liveSilences(db, now)).filter((one) => one.id !== options.exclude);
	const cost = regexCost([...others.flatMap((one) => one.matchers), ...row.matchers]);
	if (cost > MAX_DEPLOYMENT_PROGRAM) {
		throw new InvalidParameter(
			`matchers cost too much with the other silences: all regex matchers of silences that have not expired compile to ${cost} RE2 instructions, at most ${MAX_DEPLOYMENT_PROGRAM}`,
		);
	}
	return row;
}

async function checkedRule(db: D1Database, row: InhibitRuleRow, exclude?: string) {
	await requireScope(db, row.integration_ids, []);
	const others = (await allInhibitRules(db))
		.filter((one) => one.id !== exclude)
		.flatMap((one) => [...one.source_matchers, ...one.target_matchers]);
	const cost = regexCost([...others, ...row.source_matchers, ...row.target_matchers]);
	if (cost > MAX_DEPLOYMENT_PROGRAM) {
		throw new InvalidParameter(
			`matchers cost too much with the other inhibit rules: their regex matchers compile to ${cost} RE2 instructions, at most ${MAX_DEPLOYMENT_PROGRAM}`,
		);
	}
	return row;
}

async function requireScope(db: D1Database, integrationIds: string[], channelIds: string[]) {
	const integrations = await missingIntegrations(db, integrationIds);
	if (integrations.length > 0) {
		throw new InvalidParameter(`integration_ids names no integration: ${integrations.join(", ")}`);
	}
	await requireChannels(db, channelIds, "channel_ids");
}

/** How to apply a new rule whose news did not reach every integration: a PATCH with no change. */
const PATCH_TO_APPLY = (path: string, id: string) =>
	`send PATCH /api/v1/${path}/${id} with {} to apply it (repeating the POST would make a second one)`;

/**
 * The integrations a change applies to get their new routing before the API answers: those
 * listed, or all of them when a rule is not limited to some. `scopes` are the rule's integration
 * lists (before and after a change). If one cannot be told, the change is saved in D1: the 503
 * says what is saved and how to apply it.
 */
async function applied(
	c: AdminRequest,
	scopes: readonly string[] | readonly (readonly string[])[],
	what: string,
	retry: string,
): Promise<void> {
	const lists = (scopes.length > 0 && Array.isArray(scopes[0]) ? scopes : [scopes]) as string[][];
	const all = lists.some((list) => list.length === 0);
	const ids = all ? await allIntegrationIds(c.env.DB) : [...new Set(lists.flat())];
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

async function requireSilence(db: D1Database, id: string): Promise<SilenceRow> {
	const silence = await getSilence(db, id);
	if (silence === null)
		throw new NotFound("SilenceNotFound", `no silence has id ${JSON.stringify(id)}`);
	return silence;
}

async function requireRule(db: D1Database, id: string): Promise<InhibitRuleRow> {
	const rule = await getInhibitRule(db, id);
	if (rule === null) throw ruleNotFound(id);
	return rule;
}

function ruleNotFound(id: string) {
	return new NotFound("InhibitRuleNotFound", `no inhibit rule has id ${JSON.stringify(id)}`);
}

export function silenceToApi(row: SilenceRow, now: number) {
	return {
		id: row.id,
		matchers: row.matchers,
		starts_at: iso(row.starts_at),
		ends_at: isoOrNull(row.ends_at),
		schedule: row.schedule,
		comment: row.comment,
		created_by: row.created_by,
		integration_ids: row.integration_ids,
		channel_ids: row.channel_ids,
		/** pending: not yet, or between windows; active: muting now; expired: for good. */
		status: silenceStatus(row, now),
		next_change_at: isoOrNull(nextSilenceChange(row, now)),
		created_at: iso(row.created_at),
		updated_at: iso(row.updated_at),
	};
}
export type ApiSilence = ReturnType<typeof silenceToApi>;

export function ruleToApi(row: InhibitRuleRow) {
	return { ...row, created_at: iso(row.created_at), updated_at: iso(row.updated_at) };
}
export type ApiInhibitRule = ReturnType<typeof ruleToApi>;
