import { describe, expect, it } from "vitest";
import { expectError, listAlerts } from "./helpers";
import {
	alarm,
	createCloudWatchIntegration,
	notification,
	pushSns,
	uniqueTopic,
} from "./sns-helpers";

describe("a validly signed SNS message with an impossible Timestamp", () => {
	it.each(["2026-13-45T99:99:99Z", "2026-02-30T10:00:00.000Z"])(
		"is refused as malformed (%s), and nothing is stored",
		async (timestamp) => {
			const created = await createCloudWatchIntegration();
			const signed = await notification(uniqueTopic(), alarm(), { Timestamp: timestamp });
			const message = expectError(
				await pushSns(created.integration_key, signed),
				403,
				"SnsMessageMalformed",
			);
			expect(message).toBe(
				"the SNS message cannot be verified: Timestamp must be a real date and time",
			);
			expect((await listAlerts(created.id)).alerts).toEqual([]);
		},
	);
});
