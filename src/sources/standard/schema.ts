import * as z from "zod/mini";
import { LIMITS, type Severity } from "../../alerts/event";
import { severityFromWord } from "../../alerts/severity";
import { truncate } from "../../alerts/text";
import { requiredAs } from "../../schema/messages";
import { Images, optionalText } from "../fields";

/**
 * The standard push body, compatible with Flashduty's standard alert event
 * (Flashduty's "Standard alert event" push API, https://docs.flashcat.cloud) so existing pushers
 * work unchanged. Deliberately
 * lenient where a stricter reading would lose an alert: any letter case for `event_status`,
 * `title` as an alias of `title_rule`, numbers and booleans as label values, over-long strings
 * truncated. `title_rule` is a Flashduty title rule (src/alerts/template.ts); `title` alone is taken
 * as written. Unknown fields (`client`, `client_url`, …) are ignored.
 */

/**
 * `Ok`, or a severity: Flashduty's `Critical`, `Warning`, `Info`, or any other word of the one
 * vocabulary (`major`, `P3`, `informational`; src/alerts/severity.ts), so a sender's own word
 * needs no mapping in front of the gateway.
 */
const EventStatus = z.pipe(
	z.string(requiredAs("a string")),
	z.transform((value: string, ctx): Severity | "ok" => {
		if (value.trim().toLowerCase() === "ok") return "ok";
		const severity = severityFromWord(value);
		if (severity === null) {
			ctx.issues.push({
				code: "custom",
				input: value,
				message:
					"must be one of Critical, Warning, Info, Ok, or a severity word such as major, minor, high, low, error, P1 to P5 or Sev0 to Sev4",
			});
			return z.NEVER;
		}
		return severity;
	}),
);

const LabelValue = z.union([z.string(), z.number(), z.boolean()], {
	error: "must be a string",
});

const Labels = z.pipe(
	z.nullish(z.record(z.string(), LabelValue, { error: "must be an object of string values" })),
	z.transform((labels: Record<string, string | number | boolean> | null | undefined) => {
		const out: Record<string, string> = {};
		let count = 0;
		for (const [name, value] of Object.entries(labels ?? {})) {
			// Past the limit, labels are dropped rather than the alert rejected.
			if (count === LIMITS.labelCount) break;
			const key = truncate(name, LIMITS.labelKey);
			if (key === "" || Object.hasOwn(out, key)) continue;
			out[key] = truncate(String(value), LIMITS.labelValue);
			count++;
		}
		return out;
	}),
);

/** Unix seconds; a numeric string is accepted too. Milliseconds would land in the year 50000+. */
const MAX_EVENT_TIME_S = 1e11;
const EventTime = z.pipe(
	z.transform((value: unknown) =>
		typeof value === "string" && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value,
	),
	z.nullish(
		z
			.number({ error: "must be unix seconds (a number)" })
			.check(
				z.nonnegative("must be unix seconds (a number)"),
				z.maximum(MAX_EVENT_TIME_S, "must be unix seconds, not milliseconds"),
			),
	),
);

const StandardAlertFields = z.object(
	{
		event_status: EventStatus,
		title_rule: z.nullish(z.string({ error: "must be a string" })),
		title: z.nullish(z.string({ error: "must be a string" })),
		alert_key: z.nullish(z.string({ error: "must be a string" })),
		description: optionalText(LIMITS.description),
		labels: Labels,
		images: Images,
		event_time: EventTime,
	},
	{ error: "must be a JSON object" },
);

export const StandardAlertBody = z.pipe(
	StandardAlertFields,
	z.transform(({ title_rule, title, ...rest }: z.output<typeof StandardAlertFields>, ctx) => {
		const rule = title_rule?.trim() ?? null;
		const sentTitle = title?.trim() ?? "";
		// A recovery is matched by alert_key alone, so only triggers must say what is wrong.
		if ((rule ?? sentTitle) === "" && rest.event_status !== "ok") {
			ctx.issues.push({
				code: "custom",
				input: title_rule,
				path: ["title_rule"],
				message: "is required (title is accepted as an alias)",
			});
			return z.NEVER;
		}
		// The rule is rendered once the event is known (normalize); only the rule is a template.
		return { ...rest, title_rule: rule, title: truncate(sentTitle, LIMITS.title) };
	}),
);
export type StandardAlertBody = z.output<typeof StandardAlertBody>;
