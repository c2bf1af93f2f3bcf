import * as z from "zod/mini";
import { settingsError, sharedSettings } from "../../integrations/settings";

/** Settings of a `standard` integration. */
export const StandardSettings = z.strictObject(
	{
		...sharedSettings(null),
	},
	{ error: settingsError },
);
