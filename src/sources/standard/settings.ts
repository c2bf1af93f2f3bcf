import * as z from "zod/mini";
import { AutoResolveAfter, settingsError } from "../../integrations/settings";

/** Settings of a `standard` integration. */
export const StandardSettings = z.strictObject(
	{ auto_resolve_after: AutoResolveAfter(null) },
	{ error: settingsError },
);
