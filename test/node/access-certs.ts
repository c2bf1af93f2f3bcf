// Runs in Node (imported by vitest.config.ts through sns-outbound.ts): the Cloudflare Access
// team's certificate set. Tests make their RSA key pair in workerd and post its public JWK set
// to https://outbound.test/access-certs; https://<ACCESS_TEST_TEAM>/cdn-cgi/access/certs then
// serves it, and counts how often it was fetched.
import { Response } from "miniflare";

export const ACCESS_TEST_TEAM = "alertgate-test.cloudflareaccess.com";

let jwks: unknown = { keys: [] };
let fetched = 0;

export function accessCerts(request: Request, url: URL): Promise<Response> | Response | null {
	if (url.host === "outbound.test" && url.pathname === "/access-certs") {
		if (request.method === "GET") return Response.json({ fetched });
		return request.json().then((body) => {
			jwks = body;
			return new Response(null, { status: 204 });
		});
	}
	if (url.host === ACCESS_TEST_TEAM && url.pathname === "/cdn-cgi/access/certs") {
		fetched += 1;
		return Response.json(jwks);
	}
	return null;
}
