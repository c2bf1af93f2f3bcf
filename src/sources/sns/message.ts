import * as z from "zod/mini";

/**
 * An SNS message as delivered to an HTTPS subscription (AWS, "Parsing message formats",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html). The
 * Lambda-record spelling (`SigningCertUrl`, `Subject: null`) is accepted too, so the same verifier
 * serves both shapes; null Subject means absent, while "" is a present, signed, empty Subject.
 */
/**
 * The signed string joins `key\nvalue\n` pairs, so a line break inside a value could move text
 * from one field to another without changing the signed bytes (a MessageId of
 * "<id>\nSubject\n<subject>" signs like that id with that Subject). SNS itself puts none in these
 * fields (it forbids them in Subject), so they are refused; only Message may hold line breaks.
 */
const oneLine = z
	.string({ error: "is required" })
	.check(z.regex(/^[^\r\n]*$/, "must not contain line breaks"));

/** SNS MessageIds are UUIDs: anything else is not a message SNS sent. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** SNS writes `Timestamp` as ISO 8601 in UTC, with milliseconds. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export const SnsMessage = z.pipe(
	z.transform((value: unknown) => {
		if (typeof value !== "object" || value === null) return value;
		const record: Record<string, unknown> = { ...value };
		return {
			...record,
			SigningCertURL: record.SigningCertURL ?? record.SigningCertUrl,
			UnsubscribeURL: record.UnsubscribeURL ?? record.UnsubscribeUrl,
			Subject: record.Subject === null ? undefined : record.Subject,
		};
	}),
	z.object({
		Type: z.enum(["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"], {
			error: "must be Notification, SubscriptionConfirmation or UnsubscribeConfirmation",
		}),
		MessageId: z
			.string({ error: "is required" })
			.check(z.regex(UUID, "must be an SNS MessageId (a UUID)")),
		TopicArn: oneLine,
		Subject: z.optional(oneLine),
		Message: z.string({ error: "is required" }),
		Timestamp: z
			.string({ error: "is required" })
			.check(z.regex(ISO_UTC, "must be an ISO 8601 time in UTC, as SNS writes it")),
		SignatureVersion: z.enum(["1", "2"], { error: "must be 1 or 2" }),
		Signature: z.string({ error: "is required" }),
		SigningCertURL: z.string({ error: "is required" }),
		SubscribeURL: z.optional(oneLine),
		Token: z.optional(oneLine),
		UnsubscribeURL: z.optional(z.string()),
	}),
);
export type SnsMessage = z.output<typeof SnsMessage>;

/** Fields a body must have to count as a signed SNS message at all (and not a raw delivery). */
export function looksSigned(value: unknown): boolean {
	return (
		typeof value === "object" &&
		value !== null &&
		"Type" in value &&
		"Signature" in value &&
		("SigningCertURL" in value || "SigningCertUrl" in value)
	);
}

/**
 * The string SNS signs: `key\nvalue\n` for each signed field in this order, values byte for byte
 * (never reformatted: a CRLF inside Message is part of the signature).
 */
export function stringToSign(message: SnsMessage): string {
	const keys =
		message.Type === "Notification"
			? (["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"] as const)
			: ([
					"Message",
					"MessageId",
					"SubscribeURL",
					"Timestamp",
					"Token",
					"TopicArn",
					"Type",
				] as const);
	let out = "";
	for (const key of keys) {
		const value = message[key];
		// Subject is signed only when the key is present; the other fields are always signed.
		if (value === undefined && key === "Subject") continue;
		out += `${key}\n${value ?? ""}\n`;
	}
	return out;
}
