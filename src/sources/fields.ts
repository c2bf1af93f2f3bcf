import * as z from "zod/mini";
import { LIMITS, type Link } from "../alerts/event";
import { truncate } from "../alerts/text";
import { minLength } from "../schema/length";
import { requiredAs } from "../schema/messages";

/**
 * Field readers that more than one wire format shares. Lenient where a stricter reading would
 * lose an alert: over-long text is cut, and what cannot be cut usefully (a URL) is dropped.
 */

/** Optional text, cut to `max` (absent or null: empty). */
export const optionalText = (max: number) =>
	z.pipe(
		z.nullish(z.string({ error: "must be a string" })),
		z.transform((value: string | null | undefined) => truncate(value ?? "", max)),
	);

const WebUrl = /^https?:\/\//i;

/** Whether a value is an http or https URL no longer than `max`. */
export function isWebUrl(value: unknown, max: number): value is string {
	return typeof value === "string" && value.length <= max && WebUrl.test(value);
}

const Image = z.object({
	src: z.string(requiredAs("a string")).check(minLength(1, "must not be empty")),
	alt: z.nullish(z.string({ error: "must be a string" })),
	href: z.nullish(
		z.string({ error: "must be a string" }).check(z.regex(WebUrl, "must be an http or https URL")),
	),
});

/** `images: [{src, alt?, href?}]`, as Flashduty's standard event and PagerDuty's event send them. */
export const Images = z.pipe(
	z.nullish(z.array(Image, { error: "must be an array of {src, alt, href}" })),
	z.transform((images: z.output<typeof Image>[] | null | undefined) =>
		(images ?? [])
			// Flashduty drops (rather than cuts) an over-long src: a cut URL points nowhere.
			.filter((image) => image.src.length <= LIMITS.imageSrc)
			.slice(0, LIMITS.images)
			.map((image) => ({
				src: image.src,
				...(image.alt ? { alt: truncate(image.alt, LIMITS.imageAlt) } : {}),
				...(image.href ? { href: truncate(image.href, LIMITS.imageHref) } : {}),
			})),
	),
);

const LinkField = z.object({
	href: z.string(requiredAs("a string")),
	text: z.nullish(z.string({ error: "must be a string" })),
});

/** `links: [{href, text?}]` (PagerDuty's): links that are not http(s) URLs are dropped. */
export const Links = z.pipe(
	z.nullish(z.array(LinkField, { error: "must be an array of {href, text}" })),
	z.transform((links: z.output<typeof LinkField>[] | null | undefined) => {
		const out: Link[] = [];
		for (const link of links ?? []) addLink(out, link.href, link.text);
		return out;
	}),
);

/** Appends a link when it is an http(s) URL within the limits and there is room. */
export function addLink(links: Link[], href: unknown, text?: string | null): void {
	if (links.length >= LIMITS.links || !isWebUrl(href, LIMITS.linkHref)) return;
	links.push(text ? { href, text: truncate(text, LIMITS.linkText) } : { href });
}

const DATE_TIME =
	/^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?(Z|[+-](\d\d):?(\d\d))$/i;

/**
 * An RFC 3339 / ISO 8601 date-time with a zone, in epoch ms (null: not one). Stricter than
 * `Date.parse`, which reads `2026-02-31` as March 3rd: a date or time of day that does not exist
 * is not one.
 */
export function parseDateTime(value: string): number | null {
	const parts = DATE_TIME.exec(value);
	if (parts === null) return null;
	// Absent parts (seconds, a `Z` zone's numbers) read as 0.
	const [, year, month, day, hour, minute, second, , , zoneHours, zoneMinutes] = parts.map((part) =>
		Number(part ?? 0),
	);
	if (!realDay(year, month, day) || !realTime(hour, minute, second)) return null;
	if ((zoneHours ?? 0) > 23 || (zoneMinutes ?? 0) > 59) return null;
	const ms = Date.parse(value);
	return Number.isNaN(ms) ? null : ms;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const HTTP_DATE =
	/^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/;

/** A sender's time in either form AWS writes (null: neither, or a day that does not exist). */
export function parseAwsTime(value: string): number | null {
	return parseDateTime(value) ?? parseHttpDate(value);
}

/** An RFC 1123 date (`Fri, 27 Jan 2023 06:02:51 GMT`, AWS Health's), in epoch ms (null: not one). */
export function parseHttpDate(value: string): number | null {
	const parts = HTTP_DATE.exec(value);
	if (parts === null) return null;
	const month = MONTHS.indexOf(parts[2] ?? "") + 1;
	const [day, year, hour, minute, second] = [1, 3, 4, 5, 6].map((at) => Number(parts[at]));
	if (!realDay(year, month, day) || !realTime(hour, minute, second)) return null;
	return Date.parse(value);
}

function realDay(year = 0, month = 0, day = 0): boolean {
	// Day 0 of the next month is the last day of this one.
	return (
		month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate()
	);
}

function realTime(hour = 0, minute = 0, second = 0): boolean {
	return hour <= 23 && minute <= 59 && second <= 59;
}
