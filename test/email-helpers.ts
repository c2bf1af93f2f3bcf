import { env } from "cloudflare:workers";
import worker from "../src/index";
import { createIntegration } from "./helpers";

/** The mails under test/fixtures/email (SOURCE.md says where each comes from), as text. */
const MAILS = import.meta.glob<string>("./fixtures/email/*.eml", {
	eager: true,
	query: "?raw",
	import: "default",
});

export function mail(name: string): string {
	const text = MAILS[`./fixtures/email/${name}`];
	if (text === undefined) throw new Error(`no mail fixture ${name}`);
	return text;
}

export const DOMAIN = "alerts.example.com";
export const SENDER = "nagios@monitoring.example.com";

export type Delivery = {
	/** The reason given to setReject, or null when the mail was taken. */
	rejected: string | null;
	/** Whether the handler read any of the message. */
	read: boolean;
};

/**
 * Hands a raw message to the worker's real `email()` handler, as Email Routing does: a
 * ForwardableEmailMessage whose `raw` is a stream of the bytes and whose `setReject` is recorded.
 */
export async function deliver(
	raw: string,
	to: string,
	over: { from?: string; rawSize?: number; env?: Env } = {},
): Promise<Delivery> {
	const bytes = new TextEncoder().encode(raw);
	const delivery: Delivery = { rejected: null, read: false };
	let sent = false;
	// No read ahead (highWaterMark 0): `pull` runs only when the handler reads.
	const stream = new ReadableStream<Uint8Array>(
		{
			pull(controller) {
				delivery.read = true;
				if (sent) return controller.close();
				sent = true;
				controller.enqueue(bytes);
			},
		},
		{ highWaterMark: 0 },
	);
	const message = {
		from: over.from ?? SENDER,
		to,
		headers: new Headers(),
		raw: stream,
		rawSize: over.rawSize ?? bytes.byteLength,
		setReject(reason: string) {
			delivery.rejected = reason;
		},
		forward: () => Promise.reject(new Error("alertgate never forwards")),
		reply: () => Promise.reject(new Error("alertgate never replies")),
		canBeForwarded: false,
	} as unknown as ForwardableEmailMessage;
	await worker.email(message, over.env ?? env);
	return delivery;
}

/**
 * The message as Email Routing hands it over: its block on top (its Received header, its ARC set,
 * Received-SPF and its verdicts), in the order and shape of real deliveries
 * (src/sources/email/auth-results.ts). The ARC signatures are placeholders: nothing verifies them.
 */
export function stamped(raw: string, results: string): string {
	return [...cloudflareBlock(results), `Authentication-Results: ${results}`, raw].join("\r\n");
}

/** Email Routing's block down to (not including) its Authentication-Results. */
export function cloudflareBlock(results: string): string[] {
	return [
		"Received: from mail.monitoring.example.com (192.0.2.1)\r\n        by cloudflare-email.net (cloudflare) id TeSt0001\r\n        for <alerts@alerts.example.com>; Thu, 04 Dec 2025 10:15:03 +0000",
		"ARC-Seal: i=1; a=rsa-sha256; s=cf2024-1; d=cloudflare-email.net; cv=none;\r\n\tb=cGxhY2Vob2xkZXI=",
		"ARC-Message-Signature: i=1; a=rsa-sha256; s=cf2024-1; d=cloudflare-email.net; c=relaxed/relaxed;\r\n\th=To:Subject:Date:From; bh=cGxhY2Vob2xkZXI=; b=cGxhY2Vob2xkZXI=",
		`ARC-Authentication-Results: i=1; ${results}`,
		"Received-SPF: none (mx.cloudflare.net: test)\r\n\treceiver=mx.cloudflare.net; client-ip=192.0.2.1; helo=mail.monitoring.example.com;",
	];
}

let retitledCount = 0;

/**
 * A fixture mail with the subject another notification of the same tool would have: the
 * subject line the tool's own command line writes (SOURCE.md), everything else as the tool's
 * mail, and a Message-ID of its own (another mail, not a retry of this one).
 */
export function retitled(raw: string, subject: string): string {
	retitledCount++;
	return raw
		.replace(/^Subject: .*$/m, `Subject: ${subject}`)
		.replace(/^Message-Id: <([^>]+)>$/m, `Message-Id: <${retitledCount}.$1>`);
}

/** The mail as the tool would have sent it at `at`: its Date header, and a Message-ID of its own. */
export function dated(raw: string, at: number): string {
	retitledCount++;
	return raw
		.replace(/^Date: .*$/m, `Date: ${new Date(at).toUTCString().replace("GMT", "+0000")}`)
		.replace(/^Message-Id: <([^>]+)>$/m, `Message-Id: <${retitledCount}.$1>`);
}

/** A header added on top of a message (X-Alert-Key, a forged Authentication-Results). */
export const withHeader = (raw: string, header: string) => `${header}\r\n${raw}`;

/** A new email integration and its address at DOMAIN. */
export async function emailIntegration(settings: Record<string, unknown> = {}, channelId?: string) {
	const made = await createIntegration("mail", "email", settings, channelId);
	return { ...made, address: `${made.integration_key}@${DOMAIN}` };
}
