import * as z from "zod/mini";
import { RateLimitSetting } from "../../integrations/rate-limit";
import { AutoResolveAfter, Retention, settingsError } from "../../integrations/settings";

/** Settings of a `standard` integration. */
export const StandardSettings = z.strictObject(
	{
		auto_resolve_after: AutoResolveAfter(null),
		rate_limit: RateLimitSetting,
		retention: Retention,
	},
	{ error: settingsError },
);
