import * as z from "zod/mini";
import { FlappingSetting } from "../../integrations/flapping";
import { RateLimitSetting } from "../../integrations/rate-limit";
import {
	AutoResolveAfter,
	ExpectWithin,
	Retention,
	settingsError,
} from "../../integrations/settings";

/** Settings of a `pagerduty` integration (PagerDuty Events API v2 at /v2/enqueue). */
export const PagerDutySettings = z.strictObject(
	{
		auto_resolve_after: AutoResolveAfter(null),
		rate_limit: RateLimitSetting,
		retention: Retention,
		expect_within: ExpectWithin,
		flapping: FlappingSetting,
	},
	{ error: settingsError },
);
