import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, expectError } from "./helpers";
import { createChannel } from "./incident-helpers";
import { createTarget, unique } from "./notify-helpers";
import { outboundLog } from "./sns-helpers";

describe("a target on a private host", () => {
	it.each([
		["https://metadata.google.internal/computeMetadata/v1/", "not one under .internal"],
		["https://ip-10-0-0-5.ec2.internal/hook", "not one under .internal"],
		["https://localhost./hook", "not an IP address or localhost"],
		["https://api.default.svc.cluster.local/hook", "not one under .local"],
		["https://router.lan./hook", "not one under .lan"],
		["https://127.0.0.1.nip.io/hook", "spells or stands for an IP address"],
		["https://hooks.example.com:6379/hook", "must use port 443 or 8443"],
	])("is refused when created or changed: %s", async (url, rule) => {
		const { id } = await createChannel();
		const created = await admin("POST", `/channels/${id}/targets`, {
			name: "inward",
			type: "webhook",
			url,
		});
		expect(expectError(created, 400, "InvalidParameter")).toMatch(new RegExp(`^url .*${rule}`));
		const target = await createTarget(id, { type: "webhook", url: "https://example.com/hook" });
		const patched = await admin("PATCH", `/channels/${id}/targets/${target.id}`, { url });
		expect(expectError(patched, 400, "InvalidParameter")).toContain(rule);
	});

	it("saved under older rules is not contacted by the test notification", async () => {
		const { id } = await createChannel();
		const target = await createTarget(id, { type: "webhook", url: "https://example.com/hook" });
		const path = unique("inward");
		// What an earlier version accepted, as it sits in D1.
		await env.DB.prepare("UPDATE notification_targets SET url = ? WHERE id = ?")
			.bind(`https://metadata.google.internal/${path}`, target.id)
			.run();
		const reply = await admin("POST", `/channels/${id}/test`);
		expect(reply.status).toBe(200);
		expect(reply.body.data.results).toEqual([
			expect.objectContaining({
				target_id: target.id,
				delivered: false,
				status: null,
				detail: expect.stringContaining("must name a public host, not one under .internal"),
			}),
		]);
		expect((await outboundLog()).filter((url) => url.includes(path))).toEqual([]);
	});
});
