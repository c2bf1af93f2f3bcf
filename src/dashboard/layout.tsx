import type { Child } from "hono/jsx";
import { type Role, roleAllows } from "../access/role";

/**
 * What every dashboard page shares: the layout with its few lines of CSS, the sign-in and message
 * pages, and the small pieces the other pages are made of. Hono's JSX escapes every value, so
 * titles and labels from pushes render as text.
 */

/**
 * The one stylesheet. The CSP allows exactly this text, by its SHA-256 (headers.ts): JSX escapes
 * `&<>"'` in it, which would change the hash, so it uses none of them.
 */
export const PAGE_CSS = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{display:flex;gap:.4rem 1rem;align-items:center;padding:.6rem 1rem;background:#1b1f24;color:#fff;flex-wrap:wrap}
header a{color:#fff}header form{margin-left:auto}
main{padding:1rem;max-width:76rem;margin:auto;overflow-wrap:anywhere}
.scroll{overflow-x:auto;margin-bottom:1rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #e3e6ea;vertical-align:top}
th,.nowrap{white-space:nowrap}
.sev{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.8rem;color:#fff}
.critical{background:#c62828}.warning{background:#e08a00}.info{background:#1565c0}
.muted{color:#66707a}.label{display:inline-block;margin:0 .3rem .2rem 0;padding:0 .3rem;background:#eef1f4;border-radius:.3rem;font-size:.85rem;overflow-wrap:anywhere;max-width:100%;box-sizing:border-box}
button{font:inherit;padding:.3rem .8rem}form.inline{display:inline}
input,select{font:inherit;max-width:100%;box-sizing:border-box}
textarea{display:block;width:100%;box-sizing:border-box;margin-bottom:.5rem;font:13px/1.4 ui-monospace,monospace}
.error{color:#c62828}.mark{display:inline-block;padding:0 .3rem;border-radius:.3rem;font-size:.8rem;background:#5c6b7a;color:#fff;margin-right:.2rem}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;background:#fff;border:1px solid #e3e6ea;padding:.6rem;margin-bottom:1rem}
.filters label{display:flex;flex-direction:column;font-size:.85rem;max-width:100%;min-width:0}
.card{background:#fff;border:1px solid #e3e6ea;padding:.6rem .8rem;margin-bottom:1rem}
.card h3{margin:.2rem 0}
.description{white-space:pre-wrap;overflow-wrap:anywhere;margin:.4rem 0}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.2rem 1rem;margin:0 0 1rem}
dl.facts dt{color:#66707a}dl.facts dd{margin:0;min-width:0}
.pager{display:flex;flex-wrap:wrap;gap:1rem;margin:.5rem 0}
@media (max-width:40rem){
main{padding:.6rem}
table.stack thead{display:none}
table.stack tr{display:block;border-bottom:1px solid #c9ced4;padding:.3rem 0}
table.stack td{display:block;border:0;padding:.1rem .5rem}
table.stack td[data-th]::before{content:attr(data-th);color:#66707a;font-size:.8rem;margin-right:.4rem}
}
`;

/** How long ago, shortly: 45s, 12m, 3h, 2d. */
export function age(isoTime: string, now: number): string {
	const seconds = Math.max(0, Math.round((now - Date.parse(isoTime)) / 1000));
	if (seconds < 60) return `${seconds}s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
	if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
	return `${Math.floor(seconds / 86400)}d`;
}

/**
 * Who is signed in, for the header and for which forms a page shows: a role's pages offer only
 * what it may do (and the server refuses the rest anyway). `access`: signed in by Cloudflare
 * Access, which also signs out.
 */
export type Viewer = { csrf: string; name: string; role: Role; access: boolean };

export const may = (viewer: Viewer, role: Role) => roleAllows(viewer.role, role);

export function Layout(props: { title: string; viewer?: Viewer; children: Child }) {
	return (
		<html lang="en">
			<head>
				<meta charset="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				<title>{`${props.title} · alertgate`}</title>
				<style>{PAGE_CSS}</style>
			</head>
			<body>
				<header>
					<strong>alertgate</strong>
					{props.viewer !== undefined && (
						<>
							<a href="/dashboard">Incidents</a>
							<a href="/dashboard/integrations">Integrations</a>
							<a href="/dashboard/silences">Silences</a>
							<span id="signed-in">{`Signed in as ${props.viewer.name} (${props.viewer.role})`}</span>
							{props.viewer.access ? (
								<a href="/cdn-cgi/access/logout">Sign out</a>
							) : (
								<form method="post" action="/dashboard/logout">
									<input type="hidden" name="csrf" value={props.viewer.csrf} />
									<button type="submit">Sign out</button>
								</form>
							)}
						</>
					)}
				</header>
				<main>{props.children}</main>
			</body>
		</html>
	);
}

/** `next`: the dashboard path to return to, already checked by `signInReturn`. */
export function LoginPage(props: { error?: string; next?: string | null }) {
	return (
		<Layout title="Sign in">
			<h1>Sign in</h1>
			{props.error !== undefined && <p class="error">{props.error}</p>}
			<form method="post" action="/dashboard/login">
				{props.next !== undefined && props.next !== null && (
					<input type="hidden" name="next" value={props.next} />
				)}
				<p>
					<label>
						Admin token or API token{" "}
						<input type="password" name="token" autocomplete="current-password" />
					</label>
				</p>
				<button type="submit">Sign in</button>
			</form>
			<h2>Where the token comes from</h2>
			<p id="token-source">
				It is the <code>ADMIN_TOKEN</code> this gateway runs with, the same one the admin API takes,
				or an API token without a channel limit (a <code>read</code> token signs in read-only).
				Behind Cloudflare Access, no sign-in is needed.
			</p>
			<ul>
				<li>
					<strong>In development</strong>: the first <code>npm run dev</code> writes a random one to{" "}
					<code>.dev.vars</code> (gitignored), in the line <code>ADMIN_TOKEN=dev_…</code>.
				</li>
				<li>
					<strong>In production</strong>: the secret set with{" "}
					<code>npx wrangler secret put ADMIN_TOKEN</code>. Cloudflare keeps secrets write-only and
					never shows it again: take it from where you saved it when you set it, or set a new one
					(which signs everyone out).
				</li>
			</ul>
		</Layout>
	);
}

export function MessagePage(props: { title: string; message: string; viewer?: Viewer }) {
	return (
		<Layout title={props.title} viewer={props.viewer}>
			<h1>{props.title}</h1>
			<p>{props.message}</p>
		</Layout>
	);
}

export function SeverityBadge(props: { severity: string }) {
	return <span class={`sev ${props.severity}`}>{props.severity}</span>;
}

export function LabelList(props: { labels: Record<string, string> }) {
	return (
		<>
			{Object.entries(props.labels).map(([name, value]) => (
				<span class="label">{`${name}=${value}`}</span>
			))}
		</>
	);
}

/** An alert's cell in a table: its title, its key beneath, and its labels. */
export function AlertCell(props: {
	alert: { title: string | null; alert_key: string; labels: Record<string, string> };
}) {
	const { alert } = props;
	return (
		<td>
			{alert.title}
			<div class="muted">{alert.alert_key}</div>
			<LabelList labels={alert.labels} />
		</td>
	);
}

/** A moment as its age ("12m ago"), the exact time in its title. */
export function Ago(props: { at: string; now: number }) {
	return (
		<time datetime={props.at} title={props.at}>
			{`${age(props.at, props.now)} ago`}
		</time>
	);
}

/** A channel by name, linking to its page; an incident in none says unrouted. */
export function ChannelLink(props: { id: string | null; names: Map<string, string> }) {
	if (props.id === null) return <span class="muted">unrouted</span>;
	return (
		<a href={`/dashboard/channels/${encodeURIComponent(props.id)}`}>
			{props.names.get(props.id) ?? `channel ${props.id}`}
		</a>
	);
}

/** An integration by name, linking to its page (a deleted one by its id). */
export function IntegrationLink(props: { id: string; names: Map<string, string> }) {
	return (
		<a href={`/dashboard/integrations/${encodeURIComponent(props.id)}`}>
			{props.names.get(props.id) ?? `integration ${props.id}`}
		</a>
	);
}

/** A table that scrolls inside its own box when it is wider than the page. */
export function Scroll(props: { children: Child }) {
	return <div class="scroll">{props.children}</div>;
}

/** A table in its own scrolling box, with these column headings; `children` are its rows. */
export function Table(props: { head: readonly string[]; class?: string; children: Child }) {
	return (
		<Scroll>
			<table class={props.class}>
				<thead>
					<tr>
						{props.head.map((heading) => (
							<th>{heading}</th>
						))}
					</tr>
				</thead>
				<tbody>{props.children}</tbody>
			</table>
		</Scroll>
	);
}
