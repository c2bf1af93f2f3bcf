import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../src/index";
import { csrfOf } from "./dashboard-helpers";
import { BASE, createIntegration, type Envelope, expectError } from "./helpers";

/**
 * Sign-in through Cloudflare Access: the test makes an RSA key pair, publishes its public half
 * as the team's certificate set (the stubbed https://<team>/cdn-cgi/access/certs), and signs
 * assertions with the private half.
 */

const TEAM = "alertgate-test.cloudflareaccess.com";
const AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";
const ROLES = { admin: ["ana@example.com"], write: ["@ops.example.com"], read: ["@example.com"] };
const ACCESS_ENV = {
	ACCESS_TEAM_DOMAIN: TEAM,
	ACCESS_AUD: AUD,
	ACCESS_ROLES: JSON.stringify(ROLES),
};

const encoder = new TextEncoder();
const b64 = (data: string | Uint8Array) =>
	(typeof data === "string" ? encoder.encode(data) : data).toBase64({
		alphabet: "base64url",
		omitPadding: true,
	});

let signing: CryptoKey;
let stranger: CryptoKey;
const KID = "test-key-1";

async function rsaPair() {
	return (await crypto.subtle.generateKey(
		{
			name: "RSASSA-PKCS1-v1_5",
			modulusLength: 2048,
			publicExponent: new Uint8Array([1, 0, 1]),
			hash: "SHA-256",
		},
		true,
		["sign", "verify"],
	)) as CryptoKeyPair;
}

beforeAll(async () => {
	const pair = await rsaPair();
	signing = pair.privateKey;
	stranger = (await rsaPair()).privateKey;
	const jwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
	await fetch("https://outbound.test/access-certs", {
		method: "POST",
		body: JSON.stringify({ keys: [{ kid: KID, kty: "RSA", alg: "RS256", n: jwk.n, e: jwk.e }] }),
	});
});

type Claims = Record<string, unknown>;

async function assertion(
	over: Claims = {},
	opts: { key?: CryptoKey; header?: Record<string, unknown> } = {},
) {
	const now = Math.floor(Date.now() / 1000);
	const header = b64(JSON.stringify({ alg: "RS256", kid: KID, ...opts.header }));
	const claims = b64(
		JSON.stringify({
			aud: [AUD],
			iss: `https://${TEAM}`,
			email: "ana@example.com",
			iat: now,
			nbf: now,
			exp: now + 600,
			...over,
		}),
	);
	const signature = new Uint8Array(
		await crypto.subtle.sign(
			"RSASSA-PKCS1-v1_5",
			opts.key ?? signing,
			encoder.encode(`${header}.${claims}`),
		),
	);
	return `${header}.${claims}.${b64(signature)}`;
}

async function send(
	path: string,
	jwt: string | null,
	init: { method?: string; body?: string; headers?: Record<string, string> } = {},
	extra: Record<string, string> = {},
) {
	const headers: Record<string, string> = { ...init.headers };
	if (jwt !== null) headers["Cf-Access-Jwt-Assertion"] = jwt;
	const response = await worker.fetch(
		new Request(`${BASE}${path}`, {
			method: init.method ?? "GET",
			headers,
			body: init.body,
			redirect: "manual",
		}),
		{ ...env, ...ACCESS_ENV, ...extra },
		createExecutionContext(),
	);
	const text = await response.text();
	return { status: response.status, headers: response.headers, text };
}

const api = async (jwt: string | null, path = "/api/v1/integrations", method = "GET") => {
	const reply = await send(path, jwt, {
		method,
		headers: { "Content-Type": "application/json" },
		body: method === "GET" ? undefined : "{}",
	});
	return { status: reply.status, headers: reply.headers, body: JSON.parse(reply.text) as Envelope };
};

describe("Cloudflare Access", () => {
	it("accepts a valid assertion, with the role its email is given", async () => {
		expect((await api(await assertion())).status).toBe(200);
		// A domain entry gives read: a POST needing admin names the role.
		const reader = await assertion({ email: "bo@example.com" });
		expect((await api(reader)).status).toBe(200);
		expect(expectError(await api(reader, "/api/v1/channels", "POST"), 403, "Forbidden")).toBe(
			"this needs the admin role; bo@example.com has read",
		);
		// The highest role listed wins, emails compared without case.
		const ops = await assertion({ email: "Cy@OPS.example.com" });
		const refused = await api(ops, "/api/v1/channels", "POST");
		expect(expectError(refused, 403, "Forbidden")).toContain("has write");
	});

	it("takes a change only from this origin, with a JSON body, as another site's page could send the cookie", async () => {
		const jwt = await assertion();
		const channels = async () =>
			JSON.parse((await send("/api/v1/channels?limit=100", jwt)).text).data.channels.length;
		const before = await channels();
		const silence = JSON.stringify({ name: "from elsewhere" });
		const attempts: { method: string; body: string; headers: Record<string, string> }[] = [
			// A form or a simple fetch from another site: text/plain, and the browser's marks.
			{ method: "POST", body: silence, headers: { "Content-Type": "text/plain" } },
			{
				method: "POST",
				body: silence,
				headers: { "Content-Type": "application/json", Origin: "https://evil.example" },
			},
			{
				method: "POST",
				body: silence,
				headers: { "Content-Type": "application/json", "Sec-Fetch-Site": "cross-site" },
			},
		];
		for (const init of attempts) {
			const refused = await send("/api/v1/channels", jwt, init);
			expect(refused.status, JSON.stringify(init.headers)).toBe(403);
			expect(JSON.parse(refused.text).error.code).toBe("CrossOriginRequest");
		}
		// A body-less POST (acknowledge, rotate-key) from another site, by its Origin.
		const bare = await send("/api/v1/incidents/nope/acknowledge", jwt, {
			method: "POST",
			headers: { Origin: "https://evil.example" },
		});
		expect(bare.status).toBe(403);
		expect(await channels()).toBe(before);
		// The same change as a script behind Access makes it: taken.
		const made = await send("/api/v1/channels", jwt, {
			method: "POST",
			body: silence,
			headers: { "Content-Type": "application/json" },
		});
		expect(made.status).toBe(201);
		expect(await channels()).toBe(before + 1);
	});

	it("refuses an email no role lists with 403", async () => {
		const outsider = await assertion({ email: "eve@elsewhere.test" });
		expect(expectError(await api(outsider), 403, "Forbidden")).toContain(
			"eve@elsewhere.test has no role",
		);
	});

	it.each([
		["a wrong audience", () => assertion({ aud: ["someone-else"] })],
		["an expired one", () => assertion({ exp: Math.floor(Date.now() / 1000) - 120 })],
		["another issuer", () => assertion({ iss: "https://evil.cloudflareaccess.com" })],
		["one not valid yet", () => assertion({ nbf: Math.floor(Date.now() / 1000) + 3600 })],
		["one signed by another key", () => assertion({}, { key: stranger })],
		["an unknown kid", () => assertion({}, { header: { kid: "unknown" } })],
		[
			"an altered one",
			async () => {
				const [h, , s] = (await assertion()).split(".");
				const claims = b64(
					JSON.stringify({
						aud: [AUD],
						iss: `https://${TEAM}`,
						email: "ana@example.com",
						exp: Math.floor(Date.now() / 1000) + 600,
					}),
				);
				return `${h}.${claims}.${s}`;
			},
		],
		[
			"alg none",
			async () => {
				const [, c] = (await assertion()).split(".");
				return `${b64(JSON.stringify({ alg: "none", kid: KID }))}.${c}.`;
			},
		],
		[
			"HS256 signed with the public key",
			async () => {
				const [, c] = (await assertion()).split(".");
				const h = b64(JSON.stringify({ alg: "HS256", kid: KID }));
				const key = await crypto.subtle.importKey(
					"raw",
					encoder.encode("x"),
					{ name: "HMAC", hash: "SHA-256" },
					false,
					["sign"],
				);
				const sig = new Uint8Array(
					await crypto.subtle.sign("HMAC", key, encoder.encode(`${h}.${c}`)),
				);
				return `${h}.${c}.${b64(sig)}`;
			},
		],
		["garbage", async () => "not.a.jwt"],
	])("refuses %s with 401", async (_label, make) => {
		const reply = await api(await make());
		expectError(reply, 401, "Unauthorized");
	});

	it("ignores the header when Access is not configured", async () => {
		const reply = await send(
			"/api/v1/integrations",
			await assertion(),
			{},
			{
				ACCESS_TEAM_DOMAIN: "",
				ACCESS_AUD: "",
				ACCESS_ROLES: "",
			},
		);
		expect(reply.status).toBe(401);
	});

	it.each([
		["ACCESS_ROLES not JSON", { ACCESS_ROLES: "{admin:" }, "not JSON"],
		["an unknown role", { ACCESS_ROLES: '{"owner":["a@b.co"]}' }, "ACCESS_ROLES"],
		["an entry that is no email", { ACCESS_ROLES: '{"read":["bob"]}' }, "emails"],
		["a team domain with a scheme", { ACCESS_TEAM_DOMAIN: `https://${TEAM}` }, "host name"],
		["a missing audience", { ACCESS_AUD: "" }, "ACCESS_AUD"],
	])("answers 503 naming the setting for %s", async (_label, extra, problem) => {
		const reply = await send("/api/v1/integrations", await assertion(), {}, extra);
		expect(reply.status).toBe(503);
		const body = JSON.parse(reply.text) as Envelope;
		expect(body.error?.code).toBe("AccessMisconfigured");
		expect(body.error?.message).toContain(problem);
	});

	it("signs a person into the dashboard with no token, showing who and what they may do", async () => {
		const page = await send(
			"/dashboard/integrations",
			await assertion({ email: "bo@example.com" }),
		);
		expect(page.status).toBe(200);
		expect(page.text).toContain("Signed in as bo@example.com (read)");
		expect(page.text).toContain('href="/cdn-cgi/access/logout"');
		const none = await send("/dashboard/integrations", null);
		expect(none.status).toBe(303);
	});

	it("keeps dashboard actions same-origin POSTs with a CSRF token per identity", async () => {
		const jwt = await assertion({ email: "cy@ops.example.com" });
		// An integration's page carries the preview form, which write may use.
		const { id } = await createIntegration();
		const csrf = csrfOf((await send(`/dashboard/integrations/${id}`, jwt)).text);
		expect(csrf).not.toBe("");
		const other = csrfOf((await send(`/dashboard/integrations/${id}`, await assertion())).text);
		expect(other).not.toBe("");
		expect(other).not.toBe(csrf);
		const form = (token: string, origin = BASE) => ({
			method: "POST",
			body: new URLSearchParams({ csrf: token, alert_key: "x" }).toString(),
			headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: origin },
		});
		const path = "/dashboard/incidents/00000000-0000-4000-8000-000000000000/acknowledge";
		expect((await send(path, jwt, form("wrong"))).status).toBe(403);
		expect((await send(path, jwt, form(other))).status).toBe(403);
		expect((await send(path, jwt, form(csrf, "https://evil.test"))).status).toBe(403);
		// With its own token the form passes the checks (the incident does not exist).
		expect((await send(path, jwt, form(csrf))).status).toBe(404);
	});
});
