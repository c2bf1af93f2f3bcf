import * as z from "zod/mini";
import { FlappingSetting } from "../../integrations/flapping";
import { RateLimitSetting } from "../../integrations/rate-limit";
import {
	AutoResolveAfter,
	ExpectWithin,
	Retention,
	settingsError,
} from "../../integrations/settings";

/** Settings of a `standard` integration. */
export const StandardSettings = z.strictObject(
	{
		auto_resolve_after: AutoResolveAfter(null),
		rate_limit: RateLimitSetting,
		retention: Retention,
		expect_within: ExpectWithin,
		flapping: FlappingSetting,
	},
	{ error: settingsError },
);
