import * as z from "zod/mini";

/**
 * An SNS message as delivered to an HTTPS subscription (AWS, "Parsing message formats",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html). The
 * Lambda-record spelling (`SigningCertUrl`, `Subject: null`) is accepted too, so the same verifier
 * serves both shapes; null Subject means absent, while "" is a present, signed, empty Subject.
 */
export const SnsMessage = z.pipe(
	z.transform((value: unknown) => {
		if (typeof value !== "object" || value === null) return value;
		const record = value as Record<string, unknown>;
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
		MessageId: z.string({ error: "is required" }).check(z.minLength(1), z.maxLength(128)),
		TopicArn: z.string({ error: "is required" }),
		Subject: z.optional(z.string()),
		Message: z.string({ error: "is required" }),
		Timestamp: z.string({ error: "is required" }),
		SignatureVersion: z.enum(["1", "2"], { error: "must be 1 or 2" }),
		Signature: z.string({ error: "is required" }),
		SigningCertURL: z.string({ error: "is required" }),
		SubscribeURL: z.optional(z.string()),
		Token: z.optional(z.string()),
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
