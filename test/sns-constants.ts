// Shared by the outbound stub (in Node) and the tests (in workerd), so it imports nothing.

/** The hex name under which the stub serves the tests' own self-signed certificate. */
export const TEST_CERT_HEX = "0123456789abcdef0123456789abcdef";

/** Certificate hex names that make the stub misbehave, one per failure mode under test. */
export const BEHAVIOURS = {
	"500": "5005005005005005005005005005005a",
	notFound: "4044044044044044044044044044044a",
	redirect: "3023023023023023023023023023023a",
	extraContent: "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0",
	twoCertificates: "2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c",
	oversized: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	notACertificate: "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
} as const;
