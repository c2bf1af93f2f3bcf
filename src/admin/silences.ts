import * as z from "zod/mini";
import { AlertView, type ApiAlert, Iso, IsoOrNull, iso, isoOrNull } from "../alerts/alert";
import { allIntegrationIds } from "../db/integrations";
import {
	fillCosts,
	getSilence,
	insertSilence,
	listSilences,
	liveCost,
	liveSilences,
	MAX_SILENCES,
	type SilenceRow,
	silenceCost,
	updateSilence,
} from "../db/noise";
import { endpoint } from "../http/endpoint";
import { Conflict, InvalidParameter } from "../http/errors";
import { Page } from "../http/views";
import { Matchers } from "../routing/matchers";
import { Condition, matchingCost } from "../routing/rules";
import { Schedule } from "../routing/schedule";
import { nextSilenceChange, type SilenceRule, silenceStatus } from "../routing/silence";
import { DOCS } from "../schema/docs";
import { maxLength, minLength } from "../schema/length";
import { unknownFieldOr } from "../schema/messages";
import { channelLimit, requireSilenceWithin } from "./channel-limit";
import { definedOnly } from "./channels";
import { CreatedPageQuery, newestFirst, READ, IsoTime as Time, WRITE } from "./fields";
import { silenceNotFound } from "./not-found";
import type { AdminRequest } from "./objects";
import { applied, Ids, MAX_DEPLOYMENT_PROGRAM, PATCH_TO_APPLY, requireScope } from "./scope";

/**
 * Silences and maintenance windows (silences with a weekly schedule). D1 holds them; each change
 * is copied into the routing snapshot of every integration it applies to (and applied to what
 * fires there) before the API answers, so a push still reads nothing from D1.
 */

/** Objects asked at once for a preview; more wait for the next group. */
const FAN_OUT = 10;
/** Firing alerts a preview lists at most. */
const PREVIEW_LIMIT = 100;

const Text = (max: number) =>
	z
		.string({ error: "is required" })
		.check(
			z.trim(),
			minLength(1, `must be 1 to ${max} characters`),
			maxLength(max, `must be 1 to ${max} characters`),
		);

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
export type CreateSilence = z.output<typeof CreateSilence>;

/** PATCH: any of the fields, each checked as on create. */
export const UpdateSilence = z.partial(
	z.strictObject(SilenceFields, { error: unknownFieldOr("must be a JSON object") }),
);

export const SilenceView =
	DOCS &&
	z.object({
		id: z.string(),
		matchers: z.array(Condition),
		starts_at: Iso,
		ends_at: IsoOrNull,
		schedule: z.nullable(Schedule),
		comment: z.string(),
		created_by: z.string(),
		integration_ids: z.array(z.string()),
		channel_ids: z.array(z.string()),
		/** pending: not yet, or between windows; active: muting now; expired: for good. */
		status: z.enum(["pending", "active", "expired"]),
		/** When it next starts or stops muting (null: never again). */
		next_change_at: IsoOrNull,
		created_at: Iso,
		updated_at: Iso,
	});
export type SilenceView = z.output<typeof SilenceView>;

const SilencePreview =
	DOCS &&
	z.object({
		alerts: z.array(z.extend(AlertView, { integration_id: z.string() })),
		/** More firing alerts match than the 100 listed. */
		truncated: z.boolean(),
	});

const SILENCE_EXAMPLE = DOCS && {
	matchers: [
		{ field: "labels.service", op: "equals", value: "db" },
		{ field: "severity", op: "in", value: ["warning", "info"] },
	],
	ends_at: "2026-11-22T20:00:00Z",
	comment: "database failover drill",
	created_by: "ana@example.com",
};

const ONE = {
	status: 200,
	data: DOCS && SilenceView,
	description: DOCS && "The silence.",
} as const;
const NOT_FOUND = { 404: DOCS && "No silence has this id" };

export const silenceEndpoints = [
	endpoint({
		method: "post",
		path: "/api/v1/silences",
		...WRITE,
		scope: "list",
		audit: "silence.create",
		summary: DOCS && "Create a silence, or a maintenance window (a silence with a weekly schedule)",
		body: { schema: CreateSilence, example: DOCS && SILENCE_EXAMPLE },
		answer: { ...ONE, status: 201 },
		refusals: { 409: DOCS && "The deployment holds the most silences it can (200 not expired)" },
		handler: async (c, input) => {
			const now = Date.now();
			return silenceToApi(await createSilence(c, await input.body(), now, channelLimit(c)), now);
		},
	}),
	endpoint({
		method: "get",
		path: "/api/v1/silences",
		...READ,
		scope: "list",
		summary: DOCS && "List silences (expired ones too), newest first",
		query: CreatedPageQuery,
		answer: {
			status: 200,
			data: DOCS && Page("silences", SilenceView),
			description: DOCS && "A page of silences.",
		},
		handler: async (c, { query }) => {
			const { page, next_cursor } = await newestFirst(query, (range) =>
				listSilences(c.env.DB, range, channelLimit(c)),
			);
			const now = Date.now();
			return { silences: page.map((row) => silenceToApi(row, now)), next_cursor };
		},
	}),
	endpoint({
		method: "post",
		path: "/api/v1/silences/preview",
		...WRITE,
		scope: "list",
		audit: false,
		summary: DOCS && "The firing alerts a silence would mute, before saving it",
		body: { schema: CreateSilence, example: DOCS && SILENCE_EXAMPLE },
		answer: {
			status: 200,
			data: DOCS && SilencePreview,
			description:
				DOCS && "Up to 100 firing alerts its matchers and scope match (whatever its times).",
		},
		handler: async (c, input) => {
			const body = await input.body();
			// The limit first: it names foreign and missing ids alike, so a limited token learns
			// nothing of what exists outside its channels.
			await requireSilenceWithin(c.env.DB, channelLimit(c), body);
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
			return { alerts: alerts.slice(0, PREVIEW_LIMIT), truncated: alerts.length > PREVIEW_LIMIT };
		},
	}),
	endpoint({
		method: "get",
		path: "/api/v1/silences/{id}",
		...READ,
		scope: "silence",
		summary: DOCS && "One silence",
		answer: ONE,
		refusals: NOT_FOUND,
		handler: async (c, { params }) =>
			silenceToApi(await requireSilence(c.env.DB, params.id), Date.now()),
	}),
	endpoint({
		method: "patch",
		path: "/api/v1/silences/{id}",
		...WRITE,
		scope: "silence",
		audit: "silence.update",
		summary: DOCS && "Change a silence that has not expired",
		body: { schema: UpdateSilence, example: DOCS && { ends_at: "2026-11-23T06:00:00Z" } },
		answer: { ...ONE, description: DOCS && "The changed silence." },
		refusals: { ...NOT_FOUND, 409: DOCS && "The silence has expired" },
		handler: async (c, { params, body }) => {
			const silence = await requireSilence(c.env.DB, params.id);
			const change = await body();
			const now = Date.now();
			if (silenceStatus(silence, now) === "expired") {
				throw new Conflict(
					"SilenceExpired",
					`silence ${silence.id} has expired and cannot change: create a new one`,
				);
			}
			const row = await checkedSilence(
				c.env.DB,
				now,
				{ ...silence, ...definedOnly(change), updated_at: now },
				{ endsAtGiven: true, exclude: silence.id, limit: channelLimit(c) },
			);
			if (!(await updateSilence(c.env.DB, row, { now, budget: MAX_DEPLOYMENT_PROGRAM }))) {
				throw await overBudget(c.env.DB, row, now, silence);
			}
			await applied(
				c,
				[silence.integration_ids, row.integration_ids],
				"the change",
				"repeat the PATCH",
			);
			return silenceToApi(row, now);
		},
	}),
	endpoint({
		method: "delete",
		path: "/api/v1/silences/{id}",
		...WRITE,
		scope: "silence",
		audit: "silence.delete",
		summary: DOCS && "Expire a silence now (it stays listed as expired)",
		answer: { ...ONE, description: DOCS && "The expired silence." },
		refusals: NOT_FOUND,
		handler: async (c, { params }) => {
			const silence = await requireSilence(c.env.DB, params.id);
			const now = Date.now();
			// Expiring keeps the silence for the record (Alertmanager's DELETE does the same). One
			// that had not started yet starts and ends now, so it never muted anything. Repeating it
			// tells the integrations again.
			let row = silence;
			if (silenceStatus(silence, now) !== "expired") {
				row = {
					...silence,
					starts_at: Math.min(silence.starts_at, now),
					ends_at: now,
					updated_at: now,
				};
				// Expiring only lowers what live silences cost: never refused for it.
				await updateSilence(c.env.DB, row, null);
			}
			await applied(c, [row.integration_ids], "the expiry", "repeat the DELETE");
			return silenceToApi(row, now);
		},
	}),
];

/**
 * Saves a new silence and applies it to the integrations it is for (what fires there is muted
 * before this returns): the API's create, and the dashboard's "silence this alert".
 */
export async function createSilence(
	c: AdminRequest,
	body: CreateSilence,
	now: number,
	limit: readonly string[] | null = null,
): Promise<SilenceRow> {
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
		{ endsAtGiven: body.ends_at !== undefined, limit },
	);
	const written = await insertSilence(c.env.DB, row, now, MAX_DEPLOYMENT_PROGRAM);
	if (written === "limit") {
		throw new Conflict(
			"SilenceLimitReached",
			`this deployment already has ${MAX_SILENCES} silences that have not expired, the most it holds: expire some first`,
		);
	}
	if (written === "cost") throw await overBudget(c.env.DB, row, now);
	await applied(c, [row.integration_ids], `silence ${row.id}`, PATCH_TO_APPLY("silences", row.id));
	return row;
}

/** The silence as saved, once its times, scope and regex cost are checked. */
async function checkedSilence(
	db: D1Database,
	now: number,
	row: SilenceRow,
	options: { endsAtGiven: boolean; exclude?: string; limit: readonly string[] | null },
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
	// The limit first: it names foreign and missing ids alike (see the preview above).
	await requireSilenceWithin(db, options.limit, row);
	await requireScope(db, row.integration_ids, row.channel_ids);
	// Checked here for a message naming the cost; the write checks again in its own statement.
	await fillCosts(db, "silences");
	const others = (await liveSilences(db, now)).filter((one) => one.id !== options.exclude);
	const cost = matchingCost([...others.flatMap((one) => one.matchers), ...row.matchers]);
	if (cost > MAX_DEPLOYMENT_PROGRAM) throw costRefusal(cost);
	return row;
}

/** A write its statement refused for the budget (another write took it meanwhile). */
async function overBudget(db: D1Database, row: SilenceRow, now: number, before?: SilenceRow) {
	const live = await liveCost(db, "silences", now);
	const own = before === undefined ? 0 : silenceCost(before);
	return costRefusal(live.cost - own + silenceCost(row));
}

function costRefusal(cost: number) {
	return new InvalidParameter(
		`matchers cost too much with the other silences: the regex and wildcard matchers of silences that have not expired cost ${cost} RE2 instructions, at most ${MAX_DEPLOYMENT_PROGRAM}`,
	);
}

async function requireSilence(db: D1Database, id: string): Promise<SilenceRow> {
	const silence = await getSilence(db, id);
	if (silence === null) throw silenceNotFound(id);
	return silence;
}

export function silenceToApi(row: SilenceRow, now: number): SilenceView {
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
		status: silenceStatus(row, now),
		next_change_at: isoOrNull(nextSilenceChange(row, now)),
		created_at: iso(row.created_at),
		updated_at: iso(row.updated_at),
	};
}
