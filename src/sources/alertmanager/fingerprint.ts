/**
 * The fingerprint Alertmanager and Prometheus give a label set: FNV-1a 64 over the label names in
 * order, each name and value followed by a 0xff byte, as 16 hex digits
 * (`labelSetToFingerprint` in prometheus/common, model/signature.go). Computed here for alerts
 * that arrive without one (Alertmanager's API v2, which Prometheus posts to), so an alert has the
 * same key whichever way it comes, and the key an Alertmanager UI shows.
 *
 * 64-bit arithmetic in two 32-bit halves: the FNV prime is 2^40 + 0x1b3, so h × prime is
 * (h << 40) + h × 0x1b3, and every partial product stays exact in a double.
 */

const encoder = new TextEncoder();
const SEPARATOR = 0xff;
const TWO_32 = 2 ** 32;

export function labelsFingerprint(labels: Record<string, string>): string {
	let hi = 0xcbf29ce4;
	let lo = 0x84222325;
	const add = (byte: number) => {
		lo = (lo ^ byte) >>> 0;
		const low = lo * 0x1b3;
		const high = hi * 0x1b3 + Math.floor(low / TWO_32) + ((lo << 8) >>> 0);
		lo = low % TWO_32;
		hi = high % TWO_32;
	};
	const names = Object.keys(labels).sort();
	// UTF-16 order is byte order except past U+D7FF; only then compare the bytes, as Go does.
	if (names.some((name) => /[\ud800-\uffff]/.test(name))) names.sort(byBytes);
	for (const name of names) {
		for (const byte of encoder.encode(name)) add(byte);
		add(SEPARATOR);
		for (const byte of encoder.encode(labels[name])) add(byte);
		add(SEPARATOR);
	}
	return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}

/** Go's string order: by UTF-8 bytes. */
function byBytes(a: string, b: string): number {
	if (a === b) return 0;
	const x = encoder.encode(a);
	const y = encoder.encode(b);
	const n = Math.min(x.length, y.length);
	for (let i = 0; i < n; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
	return x.length - y.length;
}
