import { describe, expect, it } from "vitest";
import { SnsMessage } from "../src/sources/sns/message";
import { SigningKeys } from "../src/sources/sns/signing-keys";
import { checkSigningCertUrl, checkSubscribeUrl } from "../src/sources/sns/urls";
import { HASH_BY_VERSION, signatureValid } from "../src/sources/sns/verify";
import { expectError, listAlerts } from "./helpers";
import {
	atPublishTime,
	createCloudWatchIntegration,
	outboundLog,
	pushSns,
	snsFixture,
	snsVectors,
} from "./sns-helpers";

// Served locally: by a fake fetcher here, by the outbound stub in the HTTP tests.
const vectors = snsVectors.map((vector) => ({ ...vector, message: SnsMessage.parse(vector.raw) }));

describe("every vector in the manifest, against the certificate the manifest names", () => {
	it("covers the 27 valid messages and 9 negative cases", () => {
		expect(vectors.filter((v) => v.expectValid)).toHaveLength(27);
		expect(vectors.filter((v) => !v.expectValid)).toHaveLength(9);
	});

	it.each(vectors.map((v) => [v.file, v.cert, v.expectValid, v] as const))(
		"%s with %s verifies: %s",
		async (_file, _cert, expectValid, vector) => {
			const keys = new SigningKeys(async () => new Response(vector.certificate));
			const url = checkSigningCertUrl(vector.message.SigningCertURL, vector.message.TopicArn);
			expect(url.ok).toBe(true);
			const key = await keys.key(
				vector.message.SigningCertURL,
				HASH_BY_VERSION[vector.message.SignatureVersion],
			);
			expect(await signatureValid(vector.message, key)).toBe(expectValid);
		},
	);

	it("accepts the SubscribeURL of every real confirmation", () => {
		const confirmations = vectors.filter((v) => v.expectValid && v.message.Type !== "Notification");
		expect(confirmations.length).toBeGreaterThanOrEqual(4);
		for (const { message } of confirmations) {
			expect(checkSubscribeUrl(message.SubscribeURL ?? "", message.TopicArn)).toEqual({
				ok: true,
				url: message.SubscribeURL,
			});
		}
	});
});

describe("real vectors through the push URL (certificates served by the outbound stub)", () => {
	// The manifest's one wrong-certificate pairing cannot be reproduced over HTTP: the message's
	// own URL names its right certificate. It is covered above.
	const overHttp = vectors.filter((v) => v.cert.includes(v.message.SigningCertURL.slice(-36, -4)));

	it.each(overHttp.filter((v) => v.expectValid).map((v) => [v.file, v] as const))(
		"accepts %s",
		async (_file, vector) => {
			const { id, integration_key } = await createCloudWatchIntegration();
			await atPublishTime(id, vector.message.Timestamp);
			const reply = await pushSns(integration_key, JSON.stringify(vector.raw));
			expect(reply.status, JSON.stringify(reply.body)).toBe(200);
			if (vector.message.Type === "Notification") {
				expect(reply.body.data.result).toBe("opened");
			} else if (vector.message.Type === "SubscriptionConfirmation") {
				expect(reply.body.data.subscription).toBe("confirmed");
				expect(await outboundLog()).toContain(vector.message.SubscribeURL);
			} else {
				expect(reply.body.data.subscription).toBe("unsubscribed");
			}
		},
	);

	it.each(overHttp.filter((v) => !v.expectValid).map((v) => [v.file, v] as const))(
		"refuses %s with 403 and changes nothing",
		async (_file, vector) => {
			const created = await createCloudWatchIntegration();
			await atPublishTime(created.id, vector.message.Timestamp);
			const fetches = async () =>
				(await outboundLog()).filter((url) => url === vector.message.SubscribeURL).length;
			const before = await fetches();
			const reply = await pushSns(created.integration_key, JSON.stringify(vector.raw));
			expectError(reply, 403, "SnsSignatureInvalid");
			// A forged confirmation must never make us fetch its SubscribeURL.
			expect(await fetches()).toBe(before);
			expect((await listAlerts(created.id)).alerts).toEqual([]);
		},
	);

	it("accepts the real HTTPS capture with the headers SNS sent", async () => {
		const vector = vectors.find((v) => v.file === "notif-2024-sha1-https-capture.json");
		const headers = snsFixture("notif-2024-sha1-https-capture.headers.json") as unknown as {
			headers: Record<string, string>;
		};
		const { id, integration_key } = await createCloudWatchIntegration();
		if (vector === undefined) throw new Error("no capture vector");
		await atPublishTime(id, vector.message.Timestamp);
		const { host: _host, "content-length": _length, ...sent } = headers.headers;
		const reply = await pushSns(integration_key, JSON.stringify(vector?.raw), sent);
		expect(reply.status).toBe(200);
	});
});
