/** Hono's typing for this worker: bindings from wrangler.toml, per-request variables. */
export type AppEnv = {
	Bindings: Env;
	Variables: { requestId: string };
};
