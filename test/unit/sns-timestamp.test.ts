import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { realInstant, SnsMessage } from "../../src/sources/sns/message";

/** A message that parses, but for its Timestamp. */
function messageAt(timestamp: string) {
	return {
		Type: "Notification",
		MessageId: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
		TopicArn: "arn:aws:sns:us-east-1:123456789012:alerts",
		Message: "{}",
		Timestamp: timestamp,
		SignatureVersion: "1",
		Signature: "c2lnbmF0dXJl",
		SigningCertURL: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem",
	};
}

const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const pad = (value: number, width = 2) => String(value).padStart(width, "0");
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Any instant from 1970 to 9999, written as SNS may: with 0 to 3 digits of milliseconds. */
const validTime = fc
	.record({ at: fc.integer({ min: 0, max: MAX_MS }), digits: fc.integer({ min: 0, max: 3 }) })
	.map(({ at, digits }) => {
		const iso = new Date(at).toISOString();
		const fraction = iso.slice(20, 20 + digits);
		return `${iso.slice(0, 19)}${digits > 0 ? `.${fraction}` : ""}Z`;
	});

/** The shape SNS writes, with one field out of its range (month, day of that month, h, m or s). */
const impossibleTime = fc
	.record({
		year: fc.integer({ min: 1970, max: 9999 }),
		month: fc.integer({ min: 1, max: 12 }),
		day: fc.integer({ min: 1, max: 28 }),
		hour: fc.integer({ min: 0, max: 23 }),
		minute: fc.integer({ min: 0, max: 59 }),
		second: fc.integer({ min: 0, max: 59 }),
		broken: fc.constantFrom("month", "day", "hour", "minute", "second"),
		wrong: fc.integer({ min: 0, max: 99 }),
		fraction: fc.constantFrom("", ".0", ".12", ".999"),
	})
	.map((t) => {
		const fields = { ...t };
		if (t.broken === "month") fields.month = t.wrong <= 12 ? 13 + (t.wrong % 87) : t.wrong;
		if (t.broken === "day") {
			const last = daysIn(t.year, t.month);
			fields.day = t.wrong === 0 ? 0 : last + 1 + (t.wrong % (99 - last));
		}
		if (t.broken === "hour") fields.hour = 24 + (t.wrong % 76);
		if (t.broken === "minute") fields.minute = 60 + (t.wrong % 40);
		if (t.broken === "second") fields.second = 60 + (t.wrong % 40);
		if (t.broken === "month" && t.wrong === 0) fields.month = 0;
		const { year, month, day, hour, minute, second } = fields;
		return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${t.fraction}Z`;
	});

describe("an SNS Timestamp names a real instant", () => {
	it("accepts every instant written as SNS may write it", () => {
		fc.assert(
			fc.property(validTime, (time) => {
				expect(realInstant(time)).toBe(true);
				expect(SnsMessage.safeParse(messageAt(time)).success).toBe(true);
			}),
		);
	});

	it("refuses a time with the shape and no instant, naming the field", () => {
		fc.assert(
			fc.property(impossibleTime, (time) => {
				expect(realInstant(time)).toBe(false);
				const parsed = SnsMessage.safeParse(messageAt(time));
				expect(parsed.success).toBe(false);
				expect(parsed.error?.issues[0]?.path).toEqual(["Timestamp"]);
			}),
		);
	});

	it.each([
		"2026-13-45T99:99:99Z",
		"2026-02-29T00:00:00.000Z",
		"2028-02-30T12:00:00Z",
		"2026-04-31T00:00:00Z",
		"2026-01-01T24:00:00Z",
		"2026-06-30T23:59:60Z",
		"2026-00-10T00:00:00Z",
	])("refuses %s", (time) => {
		expect(SnsMessage.safeParse(messageAt(time)).success).toBe(false);
	});

	it("accepts the last day of February in a leap year, and SNS's own form", () => {
		expect(realInstant("2028-02-29T23:59:59.999Z")).toBe(true);
		expect(realInstant("2026-11-22T04:00:00.123Z")).toBe(true);
	});
});
