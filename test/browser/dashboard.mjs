// `npm run test:browser`: the dashboard in a real headless Chromium (Debian's `chromium`, driven
// by playwright-core), against a local alertgate on loopback. CI runs it after `npm test` and
// installs Chromium when it is missing (.ci/run). Screenshots of each step land in
// test/browser/artifacts/ (gitignored), kept as the run's artifacts.
//
// 0. `/openapi.json` is public/openapi.json, served by Workers Static Assets (the workerd tests
//    cannot reach assets: they call the worker itself).
// 1. An alert pushed to a new integration opens an unrouted incident.
// 2. Signed out, /dashboard leads to the sign-in page; a wrong token is refused.
// 3. Signed in, the incident is on the page; its page lists the alert and its labels.
// 4. Acknowledge: the page and the API both say acknowledged.
// 5. The integrations page shows the integration as wired; sign out leads back to sign-in.
// 6. A silence: the muted alert on its integration's page, the preview, and the Silences page.
// 7. Every page at 1,280×800 and 390×844 (a phone), with long unbroken ids, labels and titles:
//    the page is never wider than the window (a wide table scrolls in its own box).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { root, startGateway, until } from "../../scripts/lib/gateway.mjs";

const CHROMIUM = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"]
	.filter(Boolean)
	.find((candidate) => existsSync(candidate));
if (CHROMIUM === undefined) {
	console.error(
		"the browser test needs Chromium: `sudo apt-get install chromium` (Debian), or set CHROMIUM_PATH",
	);
	process.exit(1);
}

const artifacts = path.join(root, "test/browser/artifacts");
mkdirSync(artifacts, { recursive: true });

let gateway;
let browser;
let failed = false;
try {
	console.log("== alertgate: local D1 migrations, then wrangler dev");
	gateway = await startGateway("browser");
	const { base, admin, adminToken } = gateway;

	console.log("== 0. /openapi.json: the committed document, as a static asset");
	const served = await fetch(`${base}/openapi.json`);
	check(
		served.ok && served.headers.get("Content-Type")?.startsWith("application/json") === true,
		"/openapi.json is served as JSON",
	);
	const committed = readFileSync(path.join(root, "public/openapi.json"), "utf8");
	check(
		JSON.stringify(await served.json()) === JSON.stringify(JSON.parse(committed)),
		"it is public/openapi.json",
	);

	console.log("== 1. a push opens an unrouted incident");
	const integration = await admin("POST", "/integrations", {
		name: "browser test source",
		type: "standard",
	});
	const title = `disk full on db-${Date.now()}`;
	const pushed = await fetch(`${base}/push/${integration.integration_key}`, {
		method: "POST",
		headers: { "Content-Type": "application/json" },
		body: JSON.stringify({
			event_status: "Critical",
			title_rule: title,
			alert_key: "disk-db",
			labels: { host: "db-1", team: "storage" },
		}),
	});
	check(pushed.ok, "the push is accepted");
	const [incident] = await until("the incident is listed", async () => {
		const { incidents } = await admin("GET", `/incidents?integration_id=${integration.id}`);
		return incidents.length > 0 ? incidents : null;
	});

	browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
	const page = await browser.newPage({ viewport: { width: 412, height: 915 } });
	const shot = (name) =>
		page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

	console.log("== 2. signed out: the sign-in page; a wrong token is refused");
	await page.goto(`${base}/dashboard`);
	check(new URL(page.url()).pathname === "/dashboard/login", "/dashboard leads to sign-in");
	await page.fill('input[name="token"]', "not-the-token");
	await page.click('button[type="submit"]');
	check(
		(await page.textContent("body")).includes(
			"That is neither the admin token nor a valid API token.",
		),
		"a wrong token is refused",
	);
	await shot("1-sign-in-refused");

	console.log("== 3. signed in: the incident and its alert");
	await page.fill('input[name="token"]', adminToken);
	await page.click('button[type="submit"]');
	check(new URL(page.url()).pathname === "/dashboard", "signing in opens the incidents page");
	const row = page.locator(`tr[data-incident="${incident.id}"]`);
	check((await row.count()) === 1, "the pushed incident is listed");
	check((await row.textContent()).includes(title), "with its title");
	check((await row.locator(".status").textContent()) === "triggered", "as triggered");
	const cookies = await page.context().cookies();
	const session = cookies.find((cookie) => cookie.name === "alertgate_session");
	check(
		session?.httpOnly === true && session.secure === true && session.sameSite === "Strict",
		"the session cookie is HttpOnly, Secure and SameSite=Strict",
	);
	check(!session.value.includes(adminToken), "the cookie does not hold the token");
	await shot("2-incidents");
	await row.locator('a[href^="/dashboard/incidents/"]').click();
	check((await page.textContent("#status")) === "triggered", "the incident page says triggered");
	check((await page.textContent("body")).includes("host=db-1"), "it lists the alert's labels");
	await shot("3-incident");

	console.log("== 4. acknowledge");
	await page.click('button:has-text("Acknowledge")');
	check((await page.textContent("#status")) === "acknowledged", "the page says acknowledged");
	const detail = await admin("GET", `/incidents/${incident.id}`);
	check(detail.status === "acknowledged", "the API says acknowledged");
	await shot("4-acknowledged");

	console.log("== 5. integrations, then sign out");
	await page.click('a:has-text("Integrations")');
	const wired = page.locator(`tr[data-integration="${integration.id}"]`);
	await until("the integration shows its push", async () => {
		await page.reload();
		return (await wired.textContent()).includes("ago");
	});
	await shot("5-integrations");

	console.log("== 6. a silence: the muted alert on its integration's page, and the Silences page");
	const silence = await admin("POST", "/silences", {
		matchers: [{ field: "labels.team", op: "equals", value: "storage" }],
		ends_at: new Date(Date.now() + 3_600_000).toISOString(),
		comment: "disk replacement",
		created_by: "browser test",
		integration_ids: [integration.id],
	});
	await page.click(`tr[data-integration="${integration.id}"] a`);
	const alertRow = page.locator('tr[data-alert="disk-db"]');
	check((await alertRow.textContent()).includes("silenced"), "the firing alert is marked silenced");
	await shot("6-integration-alerts");
	// The preview: a body pasted as its sender would push it, shown and not stored.
	await page.fill(
		'textarea[name="body"]',
		JSON.stringify({
			event_status: "Warning",
			// biome-ignore lint/suspicious/noTemplateCurlyInString: Flashduty's template syntax
			title_rule: "[TPL]disk {{.Labels.used}} on ${host}",
			alert_key: "preview-only",
			labels: { host: "db-9", used: "97%", team: "storage" },
		}),
	);
	await page.click('button:has-text("Preview")');
	const previewRow = page.locator('tr[data-preview="preview-only"]');
	check(
		(await previewRow.textContent()).includes("disk 97% on db-9"),
		"the preview shows the alert the body would become",
	);
	check(
		(await previewRow.textContent()).includes("silenced"),
		"and the silence that would mute it",
	);
	check(
		(await admin("GET", `/integrations/${integration.id}/alerts`)).alerts.every(
			(alert) => alert.alert_key !== "preview-only",
		),
		"and stores nothing",
	);
	await shot("6b-preview");
	await page.click('a:has-text("Silences")');
	const silenceRow = page.locator(`tr[data-silence="${silence.id}"]`);
	check((await silenceRow.textContent()).includes("disk replacement"), "the silence is listed");
	check((await silenceRow.textContent()).startsWith("active"), "as active");
	await shot("7-silences");
	await page.click('button:has-text("Sign out")');
	check(new URL(page.url()).pathname === "/dashboard/login", "signing out leads to sign-in");
	await page.goto(`${base}/dashboard`);
	check(new URL(page.url()).pathname === "/dashboard/login", "and the session is gone");

	console.log("== 7. every page at 1,280 and 390 px wide: nothing wider than the window");
	const pages = await layoutFixtures(base, admin);
	for (const viewport of [
		{ width: 1280, height: 800 },
		{ width: 390, height: 844 },
	]) {
		const context = await browser.newContext({ viewport });
		const tab = await context.newPage();
		const fits = async (name) => {
			const { scrollWidth, innerWidth } = await tab.evaluate(() => ({
				scrollWidth: document.documentElement.scrollWidth,
				innerWidth: window.innerWidth,
			}));
			await tab.screenshot({
				path: path.join(artifacts, `8-${viewport.width}-${name}.png`),
				fullPage: true,
			});
			check(
				scrollWidth <= innerWidth,
				`${name} at ${viewport.width} px is not wider than the window (${scrollWidth} ≤ ${innerWidth})`,
			);
		};
		await tab.goto(`${base}/dashboard/login`);
		check(
			(await tab.textContent("#token-source")).includes("ADMIN_TOKEN"),
			"the sign-in page says where the token comes from",
		);
		await fits("sign-in");
		await tab.fill('input[name="token"]', adminToken);
		await tab.click('button[type="submit"]');
		for (const [name, where] of Object.entries(pages)) {
			await tab.goto(`${base}${where}`);
			check(new URL(tab.url()).pathname === where.split("?")[0], `${name} opens`);
			await fits(name);
		}
		await context.close();
	}
	console.log(`\nbrowser test passed; screenshots in ${path.relative(root, artifacts)}/`);
} catch (error) {
	failed = true;
	console.error(`\nbrowser test failed: ${error.message}`);
} finally {
	await browser?.close();
	gateway?.stop();
}
process.exit(failed ? 1 : 0);

/**
 * What the layout step visits: a channel with a long name, a webhook target and an open incident
 * whose alert has a long unbroken key, label value, description, links and an image.
 */
async function layoutFixtures(base, admin) {
	const long = `a${"x".repeat(180)}z`;
	const channel = await admin("POST", "/channels", {
		name: `layout-channel-${"n".repeat(60)}`,
		description: `a channel whose description has an unbroken ${long}`,
		group_by: ["cluster"],
		group_window: "30m",
	});
	await admin("POST", `/channels/${channel.id}/targets`, {
		type: "webhook",
		name: `receiver-${"r".repeat(60)}`,
		url: "https://hooks.example.com/alertgate/hook",
	});
	const integration = await admin("POST", "/integrations", {
		name: `layout-${"i".repeat(60)}`,
		type: "standard",
		channel_id: channel.id,
	});
	const pushed = await fetch(`${base}/push/${integration.integration_key}`, {
		method: "POST",
		headers: { "Content-Type": "application/json" },
		body: JSON.stringify({
			event_status: "Warning",
			title_rule: `replica lag on ${long}`,
			alert_key: `key-${long}`,
			description: `first line\nsecond line with ${long}`,
			labels: { cluster: "a", path: `/var/lib/${long}`, team: "storage" },
			images: [{ src: `https://graphs.example.com/${long}.png`, alt: "lag graph" }],
		}),
	});
	check(pushed.ok, "the layout push is accepted");
	const [incident] = await until("the layout incident is listed", async () => {
		const { incidents } = await admin("GET", `/incidents?integration_id=${integration.id}`);
		return incidents.length > 0 ? incidents : null;
	});
	return {
		"incident list": "/dashboard/incidents?status=all",
		"incident page": `/dashboard/incidents/${incident.id}`,
		"channel page": `/dashboard/channels/${channel.id}`,
		integrations: "/dashboard/integrations",
		"integration page": `/dashboard/integrations/${integration.id}`,
		silences: "/dashboard/silences",
	};
}

function check(condition, what) {
	if (!condition) throw new Error(`expected: ${what}`);
	console.log(`   ok: ${what}`);
}
