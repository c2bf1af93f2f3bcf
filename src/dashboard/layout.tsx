import type { Child } from "hono/jsx";

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
header{display:flex;gap:1rem;align-items:center;padding:.6rem 1rem;background:#1b1f24;color:#fff;flex-wrap:wrap}
header a{color:#fff}header form{margin-left:auto}
main{padding:1rem;max-width:60rem;margin:auto;overflow-x:auto}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #e3e6ea;vertical-align:top}
.sev{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.8rem;color:#fff}
.critical{background:#c62828}.warning{background:#e08a00}.info{background:#1565c0}
.muted{color:#66707a}.label{display:inline-block;margin:0 .3rem .2rem 0;padding:0 .3rem;background:#eef1f4;border-radius:.3rem;font-size:.85rem}
button{font:inherit;padding:.3rem .8rem}form.inline{display:inline}
textarea{display:block;width:100%;box-sizing:border-box;margin-bottom:.5rem;font:13px/1.4 ui-monospace,monospace}
.error{color:#c62828}.mark{display:inline-block;padding:0 .3rem;border-radius:.3rem;font-size:.8rem;background:#5c6b7a;color:#fff;margin-right:.2rem}
`;

/** How long ago, shortly: 45s, 12m, 3h, 2d. */
export function age(isoTime: string, now: number): string {
	const seconds = Math.max(0, Math.round((now - Date.parse(isoTime)) / 1000));
	if (seconds < 60) return `${seconds}s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
	if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
	return `${Math.floor(seconds / 86400)}d`;
}

export function Layout(props: { title: string; csrf?: string; children: Child }) {
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
					{props.csrf !== undefined && (
						<>
							<a href="/dashboard">Incidents</a>
							<a href="/dashboard/integrations">Integrations</a>
							<a href="/dashboard/silences">Silences</a>
							<form method="post" action="/dashboard/logout">
								<input type="hidden" name="csrf" value={props.csrf} />
								<button type="submit">Sign out</button>
							</form>
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
						Admin token <input type="password" name="token" autocomplete="current-password" />
					</label>
				</p>
				<button type="submit">Sign in</button>
			</form>
		</Layout>
	);
}

export function MessagePage(props: { title: string; message: string; csrf?: string }) {
	return (
		<Layout title={props.title} csrf={props.csrf}>
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
