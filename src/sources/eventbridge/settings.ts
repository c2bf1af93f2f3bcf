import * as z from "zod/mini";
import { FlappingSetting } from "../../integrations/flapping";
import { RateLimitSetting } from "../../integrations/rate-limit";
import {
	AutoResolveAfter,
	ExpectWithin,
	Retention,
	settingsError,
} from "../../integrations/settings";
import { InsufficientData, SeverityRules } from "../cloudwatch/settings";

/** Settings of an `aws_eventbridge` integration (an EventBridge API destination). */
export const EventBridgeSettings = z.strictObject(
	{
		/** EventBridge events are one-shot: most never get a recovery event. */
		auto_resolve_after: AutoResolveAfter("24h"),
		insufficient_data: InsufficientData,
		/** As on `aws_cloudwatch`, so an alarm gets the same severity whichever way it comes. */
		severity_rules: SeverityRules,
		rate_limit: RateLimitSetting,
		retention: Retention,
		expect_within: ExpectWithin,
		flapping: FlappingSetting,
	},
	{ error: settingsError },
);
export type EventBridgeSettings = z.infer<typeof EventBridgeSettings>;
