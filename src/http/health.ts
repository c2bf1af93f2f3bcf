import * as z from "zod/mini";
import { DOCS } from "../schema/docs";
import { endpoint } from "./endpoint";

export const healthEndpoint = endpoint({
	method: "get",
	path: "/healthz",
	tag: "Health",
	auth: "none",
	summary: DOCS && "Liveness: answers without touching D1 or a Durable Object",
	answer: {
		status: 200,
		data: DOCS && z.object({ status: z.literal("ok") }),
		description: DOCS && "Up.",
	},
	// Touches no binding: it answers even when D1 or the secret is misconfigured.
	handler: async () => ({ status: "ok" as const }),
});
