import { admin, BASE, call, type Reply } from "./helpers";

export type MadeToken = { id: string; token: string; name: string };

/** An API token made with the root ADMIN_TOKEN; fails the test on any answer but 201. */
export async function makeToken(body: Record<string, unknown>): Promise<MadeToken> {
	const reply = await admin("POST", "/tokens", { name: `token ${crypto.randomUUID()}`, ...body });
	if (reply.status !== 201) throw new Error(`token create failed: ${JSON.stringify(reply.body)}`);
	return reply.body.data;
}

/** An admin API call sending `token` as bearer. */
export function withToken(
	token: string,
	method: string,
	path: string,
	body?: unknown,
): Promise<Reply> {
	return call(method, `/api/v1${path}`, {
		...(body === undefined ? {} : { body }),
		headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
	});
}

export { BASE };
