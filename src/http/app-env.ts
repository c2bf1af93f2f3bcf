import type { Principal } from "../access/role";
import type { HttpError } from "./errors";

/** Hono's typing for this worker: bindings from wrangler.toml, per-request variables. */
export type AppEnv = {
	Bindings: Env;
	Variables: {
		requestId: string;
		/** The integration a push is for, once its key has been checked. */
		integrationId?: string;
		/** The refusal a push was answered with, whichever protocol's shape it took. */
		refused?: HttpError;
		/** Who sends an admin request or uses the dashboard, once their credential is checked. */
		principal?: Principal;
		/** The dashboard's CSRF token for the signed-in session's forms. */
		csrf?: string;
	};
};
