import { afterEach, describe, expect, it, vi } from "vitest";
import { admin, runAlarm } from "./helpers";
import { fire } from "./incident-helpers";
import { deliveries, notifiedIntegration, unique } from "./notify-helpers";

/**
 * Receivers that echo what they were sent, as many do in a 404: a Slack workspace that no longer
 * has the webhook (`Cannot POST /services/T…/B…/<token>`), and a webhook that quotes its query
 * URL-encoded. The worker and the integration's object run in this isolate, so their fetches
 * reach this stub; every other request goes on to the tests' outbound service.
 */
const outbound = globalThis.fetch;
function echoingReceivers(marker: string) {
	return vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
		const url = new URL(input instanceof Request ? input.url : String(input));
		if (!url.href.includes(marker)) return outbound(input, init);
		return url.host === "hooks.slack.com"
			? new Response(`Cannot POST ${url.pathname}`, { status: 404 })
			: new Response(`no hook at ${encodeURIComponent(url.pathname + url.search)}`, {
					status: 404,
				});
	});
}

afterEach(() => vi.restoreAllMocks());

describe("a receiver that echoes its URL", () => {
	it("leaves no token in the deliveries list, the test answer or the log", async () => {
		const token = unique("SlackToken0123456789");
		const query = unique("query-token-0123456789");
		const slackUrl = `https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/${token}`;
		const webhookUrl = `https://hooks.example.com/in/${token}x?token=${query}`;
		const secrets = [token, query, "T0AB12CD3", "B0EF45GH6"];
		const { integration_key, id, channelId, targets } = await notifiedIntegration([
			{ type: "slack", url: slackUrl },
			{ type: "webhook", url: webhookUrl },
		]);
		echoingReceivers(token);
		const logged = vi.spyOn(console, "error").mockImplementation(() => {});
		await fire(integration_key, "cpu");
		await runAlarm(id);

		const failed = await deliveries(channelId, "?status=failed");
		expect(failed.map((row) => row.last_error).sort()).toEqual([
			"HTTP 404: Cannot POST /services/••••/••••/••••",
			"HTTP 404: no hook at %2Fin%2F••••%3Ftoken%3D••••",
		]);
		const tested = await admin("POST", `/channels/${channelId}/test`);
		const details = tested.body.data.results.map((r: { detail: string }) => r.detail).sort();
		expect(details).toEqual([
			"HTTP 404: Cannot POST /services/••••/••••/••••",
			"HTTP 404: no hook at %2Fin%2F••••%3Ftoken%3D••••",
		]);

		const lines = logged.mock.calls.map(([line]) => String(line));
		expect(lines.filter((line) => line.includes('"notification_failed"'))).toHaveLength(2);
		const everything = JSON.stringify([failed, tested.body, lines]);
		for (const secret of [...secrets, String(targets[1]?.secret)]) {
			expect(everything).not.toContain(secret);
			expect(everything).not.toContain(encodeURIComponent(secret));
		}
	});
});
