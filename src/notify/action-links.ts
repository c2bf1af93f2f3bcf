import * as z from "zod/mini";
import { base64url, digestsEqual, hmacSha256 } from "../security/secrets";

/**
 * Signed action links: a URL in a notification that acknowledges, resolves or silences one
 * incident, for 24 hours, without signing in. The URL is the capability, so it names the
 * action, the incident, its integration and when it expires, and carries an HMAC-SHA256 of
 * those under a key derived from ADMIN_TOKEN (rotating the token voids every link). `GET` only
 * shows what the link would do: chat unfurlers and mail scanners fetch links. `POST` acts.
 */

export const ACTIONS = ["acknowledge", "resolve", "silence"] as const;
export type Action = (typeof ACTIONS)[number];

/** How long a link acts after its notification's event happened. */
export const LINK_LIFETIME_MS = 24 * 60 * 60_000;

/** What a link's path carries after `/actions/`. */
export type ActionClaim = {
	action: Action;
	integrationId: string;
	incidentId: string;
	/** Milliseconds since the epoch. */
	expiresAt: number;
};

/** The links in a notification: its dashboard page, and each action that still applies (else null). */
export const ActionLinks = z.object({
	dashboard: z.string(),
	acknowledge: z.nullable(z.string()),
	resolve: z.nullable(z.string()),
	silence: z.nullable(z.string()),
});
export type ActionLinks = z.infer<typeof ActionLinks>;

/** Ids are UUIDs and `int_…` strings: nothing in them needs escaping, and `.` never appears. */
const PART = /^[A-Za-z0-9_-]{1,64}$/;
const VERSION = "v1";

/** The key links are signed with; null when ADMIN_TOKEN is not set (no links then). */
async function linkKey(adminToken: string | undefined): Promise<Uint8Array | null> {
	if (adminToken === undefined || adminToken === "") return null;
	// Derived once per token an isolate sees (a notification signs three links).
	if (derived?.token !== adminToken) {
		// A key of its own, so a link's signature says nothing about the token.
		const key = hmacSha256(new TextEncoder().encode(adminToken), "alertgate action links v1");
		derived = { token: adminToken, key };
	}
	return derived.key;
}
let derived: { token: string; key: Promise<Uint8Array> } | undefined;

const message = (c: ActionClaim) =>
	[VERSION, c.action, c.integrationId, c.incidentId, String(c.expiresAt)].join(".");

/** `<action>.<integration>.<incident>.<expiry>.<signature>`, or null when it cannot be signed. */
export async function signAction(
	adminToken: string | undefined,
	claim: ActionClaim,
): Promise<string | null> {
	const key = await linkKey(adminToken);
	if (key === null || !PART.test(claim.integrationId) || !PART.test(claim.incidentId)) return null;
	const signature = base64url(await hmacSha256(key, message(claim)));
	return `${message(claim).slice(VERSION.length + 1)}.${signature}`;
}

export type Verified =
	| { ok: true; claim: ActionClaim }
	| { ok: false; reason: "malformed" | "forged" | "expired" };

/**
 * A link's claim, when its signature is ours (compared in constant time) and it has not expired.
 * A malformed link and a forged one are told apart only to say so on the page.
 */
export async function verifyAction(
	adminToken: string | undefined,
	token: string,
	now: number,
): Promise<Verified> {
	const parts = token.split(".");
	if (parts.length !== 5) return { ok: false, reason: "malformed" };
	const [action, integrationId, incidentId, expiry, signature] = parts as [
		string,
		string,
		string,
		string,
		string,
	];
	if (
		!(ACTIONS as readonly string[]).includes(action) ||
		!PART.test(integrationId) ||
		!PART.test(incidentId) ||
		!/^\d{1,15}$/.test(expiry)
	) {
		return { ok: false, reason: "malformed" };
	}
	const claim: ActionClaim = {
		action: action as Action,
		integrationId,
		incidentId,
		expiresAt: Number(expiry),
	};
	const key = await linkKey(adminToken);
	if (key === null) return { ok: false, reason: "forged" };
	const expected = base64url(await hmacSha256(key, message(claim)));
	if (!digestsEqual(expected, signature)) return { ok: false, reason: "forged" };
	if (claim.expiresAt <= now) return { ok: false, reason: "expired" };
	return { ok: true, claim };
}

/** What a notification's links are made of. */
type LinkedEvent = {
	occurred_at: string;
	incident: { id: string; integration_id: string; status: string; url: string };
};

/** Links already signed, by what they were made of: for calls under one admin token. */
export type SignedLinks = Map<string, Promise<ActionLinks | null>>;

/**
 * The links a notification carries, signed as it is sent: its incident's dashboard page, and
 * the actions that still apply to the incident as the event shows it (acknowledge only while
 * triggered; resolve and silence until resolved). They expire LINK_LIFETIME_MS after the event
 * happened, so every retry of a notification sends the same links. Null when the event's
 * incident has no absolute URL (no deployment address known). With `signed`, events made of
 * the same parts (the targets told of one change) share one signing.
 */
export function actionLinksFor(
	event: LinkedEvent,
	adminToken: string | undefined,
	signed?: SignedLinks,
): Promise<ActionLinks | null> {
	if (signed === undefined) return signLinks(event, adminToken);
	const { url, integration_id, id, status } = event.incident;
	const key = [url, integration_id, id, status, event.occurred_at].join(" ");
	let links = signed.get(key);
	if (links === undefined) {
		links = signLinks(event, adminToken);
		signed.set(key, links);
	}
	return links;
}

async function signLinks(
	event: LinkedEvent,
	adminToken: string | undefined,
): Promise<ActionLinks | null> {
	const { incident } = event;
	let origin: string;
	try {
		origin = new URL(incident.url).origin;
	} catch {
		return null;
	}
	const expiresAt = Date.parse(event.occurred_at) + LINK_LIFETIME_MS;
	const link = async (action: Action, applies: boolean) => {
		if (!applies) return null;
		const token = await signAction(adminToken, {
			action,
			integrationId: incident.integration_id,
			incidentId: incident.id,
			expiresAt,
		});
		return token === null ? null : `${origin}/actions/${token}`;
	};
	const open = incident.status !== "resolved";
	return {
		dashboard: incident.url,
		acknowledge: await link("acknowledge", incident.status === "triggered"),
		resolve: await link("resolve", open),
		silence: await link("silence", open),
	};
}
