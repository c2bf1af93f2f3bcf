import { NotFound } from "../http/errors";

/**
 * The 404s of things addressed by id: one place, so that a thing outside a token's channel limit
 * (channel-limit.ts) answers exactly as a thing that does not exist.
 */

export const channelNotFound = (id: string) =>
	new NotFound("ChannelNotFound", `no channel has id ${JSON.stringify(id)}`);

export const integrationNotFound = (id: string) =>
	new NotFound("IntegrationNotFound", `no integration has id ${JSON.stringify(id)}`);

export const silenceNotFound = (id: string) =>
	new NotFound("SilenceNotFound", `no silence has id ${JSON.stringify(id)}`);
