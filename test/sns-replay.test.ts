import { describe, expect, it } from "vitest";
import { stringToSign } from "../src/sources/sns/message";
import { expectError, listAlerts } from "./helpers";
import {
	alarm,
	atPublishTime,
	confirmation,
	createCloudWatchIntegration,
	notification,
	outboundLog,
	pushSns,
	signSns,
	snsVectors,
	uniqueTopic,
	type WireSns,
} from "./sns-helpers";

/**
 * The MessageId/Subject ambiguity: without Subject, and with "<id>\nSubject\n<subject>" as the
 * MessageId, a message signs exactly like the original under a new MessageId.
 */
function shiftSubjectIntoMessageId(message: WireSns | Record<string, string | null>) {
	const { Subject: subject, ...rest } = message;
	return { ...rest, MessageId: `${message.MessageId}\nSubject\n${subject}` };
}

describe("one signed SNS message is applied once", () => {
	const realWithSubject = snsVectors
		.filter((v) => v.expectValid && v.file.startsWith("notif-") && v.file.includes("-subject"))
		.map((v) => [v.file, v.raw] as const);

	it("has real vectors to shift, whose signed bytes do not change when shifted", () => {
		expect(realWithSubject.length).toBeGreaterThanOrEqual(5);
		for (const [, raw] of realWithSubject) {
			if (raw === undefined || typeof raw.Subject !== "string") throw new Error("no subject");
			// The point of the attack: the string that was signed is the same.
			const shifted = shiftSubjectIntoMessageId(raw);
			expect(stringToSign(shifted as never)).toBe(stringToSign(raw as never));
		}
	});

	it.each(realWithSubject)(
		"refuses %s with its Subject moved into its MessageId",
		async (_f, raw) => {
			if (raw === undefined) throw new Error("missing vector");
			const created = await createCloudWatchIntegration();
			await atPublishTime(created.id, String(raw.Timestamp));
			const reply = await pushSns(
				created.integration_key,
				JSON.stringify(shiftSubjectIntoMessageId(raw)),
			);
			expect(expectError(reply, 403, "SnsMessageMalformed")).toContain("MessageId");
			expect((await listAlerts(created.id)).alerts).toEqual([]);
		},
	);

	it("refuses the same shift of a message it would accept, and accepts the original once", async () => {
		const created = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		const signed = await notification(topic, alarm(), { Subject: "ALARM: api" });
		expect((await pushSns(created.integration_key, signed)).body.data.result).toBe("opened");
		const shifted = JSON.stringify(shiftSubjectIntoMessageId(signed));
		expectError(await pushSns(created.integration_key, shifted), 403, "SnsMessageMalformed");
		// The original again is a retry: answered from the first time, applied once.
		const again = await pushSns(created.integration_key, signed);
		expect(again.headers.get("Idempotent-Replayed")).toBe("true");
		expect((await listAlerts(created.id)).alerts[0]?.event_count).toBe(1);
	});

	it.each([
		["Subject", { Subject: "ALARM\nSubject" }],
		["Token", { Token: "ab\ncd" }],
	])("refuses a line break in %s", async (_field, extra) => {
		const created = await createCloudWatchIntegration();
		const signed = await signSns({ Type: "Notification", TopicArn: uniqueTopic(), ...extra });
		expectError(await pushSns(created.integration_key, signed), 403, "SnsMessageMalformed");
	});
});

describe("a captured SNS message cannot be replayed later", () => {
	const hour = 3_600_000;
	it.each([
		["from 1970", "1970-01-01T00:00:00.000Z", "SnsMessageTooOld"],
		["three hours old", new Date(Date.now() - 3 * hour).toISOString(), "SnsMessageTooOld"],
		["from 2999", "2999-01-01T00:00:00.000Z", "SnsMessageFromTheFuture"],
		[
			"ten minutes ahead",
			new Date(Date.now() + 10 * 60_000).toISOString(),
			"SnsMessageFromTheFuture",
		],
		["garbage", "yesterday", "SnsMessageMalformed"],
		["without a zone", "2026-11-22T04:00:00.000", "SnsMessageMalformed"],
	])("refuses a Timestamp %s", async (_label, timestamp, code) => {
		const created = await createCloudWatchIntegration();
		const signed = await notification(uniqueTopic(), alarm(), { Timestamp: timestamp });
		expectError(await pushSns(created.integration_key, signed), 403, code);
		expect((await listAlerts(created.id)).alerts).toEqual([]);
	});

	it("accepts a message SNS retried for an hour", async () => {
		const created = await createCloudWatchIntegration();
		const signed = await notification(uniqueTopic(), alarm(), {
			Timestamp: new Date(Date.now() - hour).toISOString(),
		});
		expect((await pushSns(created.integration_key, signed)).status).toBe(200);
	});

	it("follows a SubscriptionConfirmation once: a replay is answered without fetching again", async () => {
		const created = await createCloudWatchIntegration();
		const message = await confirmation(uniqueTopic());
		const fetched = async () =>
			(await outboundLog()).filter((url) => url === message.SubscribeURL).length;
		const first = await pushSns(created.integration_key, message);
		expect(first.body.data.subscription).toBe("confirmed");
		expect(await fetched()).toBe(1);
		const replay = await pushSns(created.integration_key, message);
		expect(replay.status).toBe(200);
		expect(replay.body.data).toMatchObject({ subscription: "confirmed", replayed: true });
		expect(await fetched()).toBe(1);
	});

	it("refuses an old SubscriptionConfirmation without fetching its SubscribeURL", async () => {
		const created = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		const message = await signSns({
			...(await confirmation(topic)),
			Type: "SubscriptionConfirmation",
			TopicArn: topic,
			MessageId: crypto.randomUUID(),
			Timestamp: new Date(Date.now() - 3 * hour).toISOString(),
		});
		expectError(await pushSns(created.integration_key, message), 403, "SnsMessageTooOld");
		expect(await outboundLog()).not.toContain(message.SubscribeURL);
	});
});
