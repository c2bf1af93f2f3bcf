import * as z from "zod/mini";
import { LIMITS, type Link } from "../alerts/event";
import { truncate } from "../alerts/text";
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
	src: z.string(requiredAs("a string")).check(z.minLength(1, "must not be empty")),
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

/** An RFC 3339 / ISO 8601 date-time with a zone, in epoch ms (null: not one). */
export function parseDateTime(value: string): number | null {
	if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i.test(value)) return null;
	const ms = Date.parse(value);
	return Number.isNaN(ms) ? null : ms;
}
