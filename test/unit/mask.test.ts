import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MASK, maskTargetSecrets } from "../../src/notify/mask";
import { attempt } from "../../src/notify/send";

const strict = { allowHttpLoopback: false };

const SLACK_TOKEN = "q8Rk2LxW9vTz3NcB7mYp4HdJ";
const SLACK = `https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/${SLACK_TOKEN}`;
const TEAMS_SIG = "Xy7_kQ2-vLm9NpR4sT6uW8zA1bC3dE5fG7hJ9kL0mN2";
const TEAMS = `https://prod-12.westus.logic.azure.com:443/workflows/7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c1e/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${TEAMS_SIG}`;
const WEBHOOK = "https://alerts.example.com/in/hook?token=s3cr3t+t%C3%B6ken/42&team=ops";

/** Every byte as `%XX`: a spelling no ordinary encoder makes, which a receiver still might. */
const perByte = (text: string) =>
	[...new TextEncoder().encode(text)]
		.map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`)
		.join("");

/** A receiver that answers `status` with `body` (and makes no request). */
const answering = (status: number, body: string) => async () => new Response(body, { status });

describe("target secrets in a receiver's answer", () => {
	it("leave no part of a Slack URL's path but its words", async () => {
		const body = `Cannot POST /services/T0AB12CD3/B0EF45GH6/${SLACK_TOKEN}`;
		const request = { url: SLACK, headers: {}, body: "{}" };
		const sent = await attempt(request, [], strict, answering(404, body));
		// The status and the reason stay; the workspace, the channel and the token do not.
		expect(sent.detail).toBe(`HTTP 404: Cannot POST /services/${MASK}/${MASK}/${MASK}`);
		expect(sent.outcome).toBe("rejected");
	});

	it("leave none in a delivered answer's detail, worked out only when it is read", async () => {
		const body = `thanks, got /services/T0AB12CD3/B0EF45GH6/${SLACK_TOKEN}`;
		const request = { url: SLACK, headers: {}, body: "{}" };
		const sent = await attempt(request, [], strict, answering(200, body));
		expect(sent.outcome).toBe("delivered");
		expect(sent.detail).toBe(`HTTP 200: thanks, got /services/${MASK}/${MASK}/${MASK}`);
		// A copy (the admin API's test send answers with one) carries the same text.
		expect({ ...sent }.detail).toBe(sent.detail);
	});

	it("are not even read from a delivered answer the outbox keeps nothing of", async () => {
		let pulled = 0;
		const body = () =>
			new ReadableStream(
				{
					pull(controller) {
						pulled++;
						controller.enqueue(new TextEncoder().encode(`got /services/x/y/${SLACK_TOKEN}`));
						controller.close();
					},
				},
				{ highWaterMark: 0 }, // pulled only when read
			);
		const request = { url: SLACK, headers: {}, body: "{}" };
		const unread = await attempt(request, [], strict, async () => new Response(body()), 0, false);
		expect(unread).toMatchObject({ outcome: "delivered", status: 200, detail: "HTTP 200" });
		expect(pulled).toBe(0);
		// A failure is read whatever the caller keeps of a delivery: its excerpt is the reason.
		const failed = await attempt(
			request,
			[],
			strict,
			async () => new Response(body(), { status: 500 }),
			0,
			false,
		);
		expect(failed.detail).toBe(`HTTP 500: got /services/x/y/${MASK}`);
		expect(pulled).toBe(1);
	});

	it("leave no Teams signature, plain or percent-encoded", () => {
		const target = { url: TEAMS, secrets: [] };
		for (const echo of [
			`The request must be authenticated: sig=${TEAMS_SIG} is not valid`,
			`{"error":{"message":"invalid sig ${encodeURIComponent(TEAMS_SIG)}"}}`,
			`redirect=${encodeURIComponent(TEAMS)}`,
			`signature ${perByte(TEAMS_SIG)} expired`,
			`workflow 7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c1e not found`,
		]) {
			const masked = maskTargetSecrets(echo, target);
			expect(masked).not.toContain(TEAMS_SIG);
			expect(masked).not.toContain(encodeURIComponent(TEAMS_SIG));
			expect(masked).not.toContain(perByte(TEAMS_SIG));
			expect(masked).not.toContain("7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c1e");
		}
		expect(maskTargetSecrets(`sig=${TEAMS_SIG} is not valid`, target)).toBe(
			`sig=${MASK} is not valid`,
		);
	});

	it("leave no webhook ?token=, in any spelling of its value", () => {
		const target = { url: WEBHOOK, secrets: [] };
		const token = "s3cr3t+töken/42";
		for (const echo of [
			`unknown token ${token}`,
			`unknown token s3cr3t+t%C3%B6ken/42`,
			`unknown token s3cr3t+t%c3%b6ken/42`,
			`unknown token ${encodeURIComponent(token)}`,
			`unknown token ${encodeURIComponent(encodeURIComponent(token))}`,
			`unknown token ${perByte(token)}`,
			"unknown token s3cr3t+t%C3%B6ken%2F42",
			"unknown token s3cr3t%20t%C3%B6ken%2F42",
			`{"token":${JSON.stringify(token).replaceAll("/", "\\/")}}`,
			`POST ${WEBHOOK} refused`,
		]) {
			const masked = maskTargetSecrets(echo, target);
			expect(masked).not.toMatch(/s3cr3t|t%C3%B6ken|t%c3%b6ken|töken/);
			expect(masked).not.toContain(perByte(token));
		}
		expect(maskTargetSecrets(`POST ${WEBHOOK} refused`, target)).toBe("POST <target url> refused");
		// Short words and the query's names are not secrets, and stay readable.
		expect(maskTargetSecrets("bad team ops at /in/hook", target)).toBe("bad team ops at /in/hook");
	});

	it("leave no signing secret (with or without its prefix), routing key or signature", () => {
		const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
		const routingKey = "R0ut1ngK3yR0ut1ngK3yR0ut1ngK3y12";
		const signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,bm9ldHUjKzFob2VudXRoCg==";
		const target = { url: "https://example.com/hook", secrets: [secret, routingKey, signature] };
		const echo = `got MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw key ${routingKey} sig g0hM9SsE%2BOTPJTGt%2FtmIKtSyZlE3uFJELVlNIOLJ1OE%3D and bm9ldHUjKzFob2VudXRoCg==`;
		expect(maskTargetSecrets(echo, target)).toBe(`got ${MASK} key ${MASK} sig ${MASK} and ${MASK}`);
	});

	it("leave no start of a secret cut off by the end of what was read", () => {
		const target = { url: SLACK, secrets: [] };
		const cut = `Cannot POST /services/T0AB12CD3/B0EF45GH6/${SLACK_TOKEN.slice(0, 10)}`;
		expect(maskTargetSecrets(cut, target, true)).toBe(
			`Cannot POST /services/${MASK}/${MASK}/${MASK}`,
		);
		// Not cut: an ending that merely looks like a secret's start stays.
		expect(maskTargetSecrets("Cannot POST q8Rk", target, false)).toBe("Cannot POST q8Rk");
	});

	// Secrets of any characters a URL can carry, letters outside ASCII included.
	const secretText = fc.string({
		unit: fc.constantFrom(..."abcXYZ0189-_.~!$'()*+,;=:@/ %?#&é日\n".split("")),
		minLength: 6,
		maxLength: 40,
	});
	const filler = fc.string({ unit: fc.constantFrom(..."ab -_/:=?&%é".split("")), maxLength: 30 });
	const spelling = fc.constantFrom<(s: string) => string>(
		(s) => s,
		encodeURIComponent,
		(s) => encodeURIComponent(s).toLowerCase(),
		(s) => encodeURIComponent(encodeURIComponent(s)),
		(s) => encodeURIComponent(s).replaceAll("%20", "+"),
		perByte,
		(s) => perByte(s).toLowerCase(),
		(s) => JSON.stringify(s).slice(1, -1),
		(s) => JSON.stringify(s).slice(1, -1).replaceAll("/", "\\/"),
	);
	const survives = (masked: string, secret: string) =>
		masked.includes(secret) ||
		masked.includes(encodeURIComponent(secret)) ||
		masked.includes(perByte(secret));

	it("never leave a random secret of the path, query or signing secret, however spelt", () => {
		fc.assert(
			fc.property(
				secretText,
				fc.constantFrom("path", "query", "fragment", "secret"),
				spelling,
				filler,
				filler,
				(secret, where, spell, before, after) => {
					fc.pre(
						!/^(services|webhooks?|incoming|workflows|triggers|manual|invoke|enqueue|alerts|notify|notifications|direct|powerautomate|automations)$/i.test(
							secret,
						),
					);
					const encoded = encodeURIComponent(secret);
					const url =
						where === "path"
							? `https://hooks.example.com/services/${encoded}/x`
							: where === "query"
								? `https://hooks.example.com/in?a=1&key=${encoded}`
								: where === "fragment"
									? `https://hooks.example.com/in#${encoded}`
									: "https://hooks.example.com/in";
					const secrets = where === "secret" ? [`whsec_${secret}`] : [];
					const text = `${before}${spell(secret)}${after}`;
					const masked = maskTargetSecrets(text, { url, secrets });
					expect(survives(masked, secret)).toBe(false);
				},
			),
			{ numRuns: 300 },
		);
	});

	it("never leave the start of a random secret at the end of a text that was cut", () => {
		fc.assert(
			fc.property(secretText, filler, fc.nat(), (secret, before, at) => {
				const url = `https://hooks.example.com/services/${encodeURIComponent(secret)}`;
				const start = secret.slice(0, 1 + (at % (secret.length - 1)));
				fc.pre(start.length >= 4);
				const masked = maskTargetSecrets(before + start, { url, secrets: [] }, true);
				// The end is masked, or the whole start already was (as a spelling of its own).
				expect(masked.endsWith(start)).toBe(false);
			}),
		);
	});
});
