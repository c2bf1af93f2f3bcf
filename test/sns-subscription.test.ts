import { describe, expect, it } from "vitest";
import {
	admin,
	expectError,
	getIntegration,
	listAlerts,
	moveClock,
	settingsRefusal,
} from "./helpers";
import {
	alarm,
	confirmation,
	createCloudWatchIntegration,
	notification,
	outboundLog,
	pushSns,
	uniqueTopic,
} from "./sns-helpers";

const confirmFetches = async (topic: string) =>
	(await outboundLog()).filter(
		(url) => url.includes("Action=ConfirmSubscription") && url.includes(topic),
	);

describe("subscription confirmation", () => {
	it("confirms by GET on the SubscribeURL, pins the topic and shows it", async () => {
		const { id, integration_key } = await createCloudWatchIntegration();
		const topic = uniqueTopic("eu-west-2");
		expect((await getIntegration(id)).sns).toMatchObject({
			topic_arn: null,
			subscription_status: "none",
		});

		const message = await confirmation(topic);
		const reply = await pushSns(integration_key, message);
		expect(reply.status).toBe(200);
		expect(reply.body.data).toEqual({
			subscription: "confirmed",
			topic_arn: topic,
			subscription_arn: `${topic}:2d1e5a0c-0000-4000-8000-000000000001`,
		});
		expect(await confirmFetches(topic)).toEqual([message.SubscribeURL]);

		const sns = (await getIntegration(id)).sns;
		expect(sns).toMatchObject({
			topic_arn: topic,
			topic_pinned_by: "confirmation",
			subscription_status: "confirmed",
			subscription_arn: `${topic}:2d1e5a0c-0000-4000-8000-000000000001`,
		});
		expect(Date.parse(sns.confirmed_at)).not.toBeNaN();
	});

	it("answers 503 when the confirmation GET fails, so SNS re-sends it, and pins nothing", async () => {
		const { id, integration_key } = await createCloudWatchIntegration();
		const topic = uniqueTopic("us-east-1", "confirm-fails");
		const reply = await pushSns(integration_key, await confirmation(topic));
		expect(expectError(reply, 503, "SubscriptionConfirmFailed")).toContain("SNS answered 500");
		expect((await getIntegration(id)).sns).toMatchObject({
			topic_arn: null,
			subscription_status: "none",
		});
	});

	it("refuses a confirmation from another topic once one is pinned, without fetching it", async () => {
		const { integration_key } = await createCloudWatchIntegration();
		const first = uniqueTopic();
		const second = uniqueTopic();
		await pushSns(integration_key, await confirmation(first));
		const reply = await pushSns(integration_key, await confirmation(second));
		expect(expectError(reply, 403, "TopicNotAccepted")).toContain(first);
		expect(await confirmFetches(second)).toEqual([]);
	});

	it("confirms the same topic again (a re-sent confirmation)", async () => {
		const { integration_key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		await pushSns(integration_key, await confirmation(topic));
		expect((await pushSns(integration_key, await confirmation(topic))).status).toBe(200);
	});

	it("records an UnsubscribeConfirmation and never follows its SubscribeURL", async () => {
		const { id, integration_key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		await pushSns(integration_key, await confirmation(topic));
		const before = await confirmFetches(topic);

		const reply = await pushSns(
			integration_key,
			await confirmation(topic, "UnsubscribeConfirmation"),
		);
		expect(reply.body.data).toEqual({ subscription: "unsubscribed", topic_arn: topic });
		// Fetching its SubscribeURL would subscribe the endpoint again, undoing the unsubscribe.
		expect(await confirmFetches(topic)).toEqual(before);
		expect((await getIntegration(id)).sns).toMatchObject({ subscription_status: "unsubscribed" });
	});

	it("refuses an UnsubscribeConfirmation from a topic other than the pinned one", async () => {
		const { integration_key } = await createCloudWatchIntegration();
		await pushSns(integration_key, await confirmation(uniqueTopic()));
		const reply = await pushSns(
			integration_key,
			await confirmation(uniqueTopic(), "UnsubscribeConfirmation"),
		);
		expectError(reply, 403, "TopicNotAccepted");
	});
});

describe("topic pinning", () => {
	it("pins the topic of the first verified notification when nothing is pinned", async () => {
		const { id, integration_key } = await createCloudWatchIntegration();
		const topic = uniqueTopic();
		expect((await pushSns(integration_key, await notification(topic, alarm()))).status).toBe(200);
		expect((await getIntegration(id)).sns).toMatchObject({
			topic_arn: topic,
			topic_pinned_by: "notification",
			subscription_status: "receiving",
		});

		const other = await notification(uniqueTopic(), alarm({ AlarmName: "other" }));
		expectError(await pushSns(integration_key, other), 403, "TopicNotAccepted");
		expect((await listAlerts(id)).alerts).toHaveLength(1);
	});

	it("says when the last message came, applied or replayed", async () => {
		const { id, integration_key } = await createCloudWatchIntegration();
		const message = await notification(uniqueTopic(), alarm());
		const before = Date.now();
		expect((await pushSns(integration_key, message)).status).toBe(200);
		const applied = Date.parse((await getIntegration(id)).sns.last_message_at);
		expect(applied).toBeGreaterThanOrEqual(before);
		expect(applied).toBeLessThanOrEqual(Date.now());
		// SNS delivers it again five minutes on: answered as a replay, and its arrival is shown.
		await moveClock(id, 5 * 60_000);
		expect((await pushSns(integration_key, message)).status).toBe(200);
		const replayed = Date.parse((await getIntegration(id)).sns.last_message_at);
		expect(replayed).toBeGreaterThanOrEqual(applied + 5 * 60_000);
	});

	it("accepts only the topic_arn set in advance, from the first message on", async () => {
		const topic = uniqueTopic();
		const { id, integration_key } = await createCloudWatchIntegration({ topic_arn: topic });
		expect((await getIntegration(id)).sns).toMatchObject({
			topic_arn: topic,
			topic_pinned_by: "settings",
		});

		const stranger = uniqueTopic();
		expectError(
			await pushSns(integration_key, await confirmation(stranger)),
			403,
			"TopicNotAccepted",
		);
		expectError(
			await pushSns(integration_key, await notification(stranger, alarm())),
			403,
			"TopicNotAccepted",
		);
		expect(await confirmFetches(stranger)).toEqual([]);

		expect((await pushSns(integration_key, await confirmation(topic))).status).toBe(200);
		expect((await pushSns(integration_key, await notification(topic, alarm()))).status).toBe(200);
	});

	it("lets PATCH set topic_arn, which overrides a topic learned from SNS", async () => {
		const { id, integration_key } = await createCloudWatchIntegration();
		const learned = uniqueTopic();
		const chosen = uniqueTopic();
		await pushSns(integration_key, await notification(learned, alarm()));
		const patched = await admin("PATCH", `/integrations/${id}`, {
			settings: { topic_arn: chosen },
		});
		expect(patched.body.data.sns).toMatchObject({ topic_arn: chosen, topic_pinned_by: "settings" });
		expectError(
			await pushSns(integration_key, await notification(learned, alarm())),
			403,
			"TopicNotAccepted",
		);
		expect((await pushSns(integration_key, await notification(chosen, alarm()))).status).toBe(200);
	});

	it("unpins with DELETE /topic, after which a new topic pins", async () => {
		const { id, integration_key } = await createCloudWatchIntegration();
		const first = uniqueTopic();
		const second = uniqueTopic();
		await pushSns(integration_key, await confirmation(first));

		const reply = await admin("DELETE", `/integrations/${id}/topic`);
		expect(reply.status).toBe(200);
		expect(reply.body.data.sns.topic_arn).toBeNull();
		expect(reply.body.data.settings.topic_arn).toBeNull();

		expect((await pushSns(integration_key, await confirmation(second))).status).toBe(200);
		expect((await getIntegration(id)).sns.topic_arn).toBe(second);
	});

	it("answers 404 for DELETE /topic on a non-SNS integration", async () => {
		const created = await admin("POST", "/integrations", { name: "s", type: "standard" });
		expectError(
			await admin("DELETE", `/integrations/${created.body.data.id}/topic`),
			404,
			"NoTopic",
		);
	});

	it("validates topic_arn", async () => {
		const settings = { topic_arn: "arn:aws:sqs:us-east-1:123456789012:queue" };
		expect(await settingsRefusal("aws_cloudwatch", settings)).toContain(
			"settings.topic_arn must be an SNS topic ARN",
		);
	});
});

describe("exactly-once by MessageId", () => {
	it("applies a re-delivered message once and answers 200 again", async () => {
		const { id, integration_key } = await createCloudWatchIntegration();
		const message = await notification(uniqueTopic(), alarm());
		const first = await pushSns(integration_key, message);
		const again = await pushSns(integration_key, message);
		expect(again.status).toBe(200);
		expect(again.body.data).toEqual(first.body.data);
		expect(again.headers.get("Idempotent-Replayed")).toBe("true");
		const [only] = (await listAlerts(id)).alerts;
		expect(only?.event_count).toBe(1);
	});

	it("applies concurrent copies of one message once", async () => {
		const { id, integration_key } = await createCloudWatchIntegration();
		const message = await notification(uniqueTopic(), alarm());
		const replies = await Promise.all(
			Array.from({ length: 8 }, () => pushSns(integration_key, message)),
		);
		// Every copy gets the first answer ("opened"), not a "stale" of its own.
		expect(new Set(replies.map((r) => JSON.stringify(r.body.data)))).toEqual(
			new Set([JSON.stringify(replies[0]?.body.data)]),
		);
		expect(replies[0]?.body.data.result).toBe("opened");
		expect(replies.filter((r) => r.headers.get("Idempotent-Replayed") === "true")).toHaveLength(7);
		expect((await listAlerts(id)).alerts[0]?.event_count).toBe(1);
	});
});
