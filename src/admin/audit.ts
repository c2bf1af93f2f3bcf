import * as z from "zod/mini";
import { Iso, iso } from "../alerts/alert";
import { AUDIT_RETENTION_MS, type AuditRow, listAudit, MAX_AUDIT_ROWS } from "../db/audit";
import { Cursor, pageOf } from "../http/cursor";
import { endpoint } from "../http/endpoint";
import { Page } from "../http/views";
import { DOCS } from "../schema/docs";
import { maxLength, minLength } from "../schema/length";
import { ADMIN, IsoTime, PageLimit } from "./fields";

/** `GET /api/v1/audit`: who changed what, newest first (src/audit/record.ts writes it). */

const Text = (what: string) =>
	z.string().check(minLength(1, `must be ${what}`), maxLength(200, `must be ${what}`));

const AuditQuery = z.object({
	actor: z.optional(Text("a token's name, an email, a Slack user or `action link`")),
	resource_type: z.optional(Text("a resource type such as integration or silence")),
	resource_id: z.optional(Text("an id")),
	since: z.optional(IsoTime),
	until: z.optional(IsoTime),
	limit: PageLimit(200, 50),
	cursor: z.optional(
		z.pipe(
			Cursor(z.tuple([z.int(), z.string()])),
			z.transform(([at, id]) => ({ at, id })),
		),
	),
});

const Change = z.object({ before: z.unknown(), after: z.unknown() });
const AuditEntryView =
	DOCS &&
	z.object({
		id: z.string(),
		at: Iso,
		actor: z.object({
			kind: z.string(),
			name: z.string(),
		}),
		via: z.string(),
		action: z.string(),
		resource_type: z.string(),
		resource_id: z.nullable(z.string()),
		changes: z.record(z.string(), Change),
		request_id: z.nullable(z.string()),
	});

function entryToApi(row: AuditRow): z.output<typeof AuditEntryView> {
	return {
		id: row.id,
		at: iso(row.at),
		actor: { kind: row.actor_kind, name: row.actor_name },
		via: row.via,
		action: row.action,
		resource_type: row.resource_type,
		resource_id: row.resource_id,
		changes: row.changes,
		request_id: row.request_id,
	};
}

export const auditEndpoints = [
	endpoint({
		method: "get",
		path: "/api/v1/audit",
		...ADMIN,
		scope: "unscoped",
		summary:
			DOCS &&
			`Who changed what (through the API, the dashboard, action links and Slack), newest first; kept ${AUDIT_RETENTION_MS / 86_400_000} days, at most ${MAX_AUDIT_ROWS} entries`,
		query: AuditQuery,
		answer: {
			status: 200,
			data: DOCS && Page("entries", AuditEntryView),
			description: DOCS && "A page of entries; secrets in `changes` are masked.",
		},
		handler: async (c, { query }) => {
			const { cursor, ...filter } = query;
			const rows = await listAudit(c.env.DB, { ...filter, limit: query.limit + 1, after: cursor });
			const { page, next_cursor } = pageOf(rows, query.limit, (last) => [last.at, last.id]);
			return { entries: page.map(entryToApi), next_cursor };
		},
	}),
];
