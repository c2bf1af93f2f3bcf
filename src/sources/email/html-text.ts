/**
 * An HTML-only mail's text, for the alert's description: postal-mime gives such a mail's HTML but
 * exports no converter. Tags go, the content of script, style and head goes, block ends become
 * line breaks and the common entities are decoded. One pass over at most MAX_HTML_CHARS, every
 * step a scan forward, so no input costs more than its length.
 */

/** Far more than a description holds (2,048 characters), for markup-heavy mails. */
export const MAX_HTML_CHARS = 256 * 1024;

const SKIPPED = new Set(["script", "style", "head", "title", "template"]);
const BREAKS = new Set([
	"br",
	"p",
	"div",
	"li",
	"tr",
	"h1",
	"h2",
	"h3",
	"h4",
	"h5",
	"h6",
	"table",
	"ul",
	"ol",
	"hr",
	"blockquote",
	"pre",
]);

const ENTITIES: Record<string, string> = {
	amp: "&",
	lt: "<",
	gt: ">",
	quot: '"',
	apos: "'",
	nbsp: " ",
	mdash: "—",
	ndash: "–",
	hellip: "…",
	copy: "©",
	reg: "®",
	euro: "€",
};

export function htmlToText(html: string): string {
	const source = html.slice(0, MAX_HTML_CHARS);
	// ASCII letters only, so that indexes stay those of `source`.
	const lower = source.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
	let out = "";
	let at = 0;
	while (at < source.length) {
		const open = source.indexOf("<", at);
		if (open === -1) {
			out += source.slice(at);
			break;
		}
		out += source.slice(at, open);
		if (source.startsWith("<!--", open)) {
			const end = source.indexOf("-->", open + 4);
			at = end === -1 ? source.length : end + 3;
			continue;
		}
		const close = source.indexOf(">", open + 1);
		if (close === -1) break;
		const tag = /^\/?([a-zA-Z][a-zA-Z0-9]*)/.exec(
			source.slice(open + 1, Math.min(close, open + 40)),
		);
		const name = tag?.[1]?.toLowerCase() ?? "";
		at = close + 1;
		if (SKIPPED.has(name) && !tag?.[0].startsWith("/")) {
			const end = lower.indexOf(`</${name}`, at);
			at = end === -1 ? source.length : end;
			continue;
		}
		if (BREAKS.has(name)) out += "\n";
		else if (name === "td" || name === "th") out += " ";
	}
	return decodeEntities(out)
		.replace(/[ \t\r\f\v\u00a0]+/g, " ")
		.replace(/ ?\n ?/g, "\n")
		.replace(/\n{3,}/g, "\n\n")
		.trim();
}

function decodeEntities(text: string): string {
	return text.replace(
		/&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g,
		(whole, name: string) => {
			if (name.startsWith("#")) {
				const code = name[1] === "x" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
				return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
			}
			return Object.hasOwn(ENTITIES, name.toLowerCase())
				? (ENTITIES[name.toLowerCase()] ?? whole)
				: whole;
		},
	);
}
