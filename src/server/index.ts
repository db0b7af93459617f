// The HTTP API (/v1, described by openapi.json) over the lifecycle service, with bearer tokens
// mapped to identities and roles.
export { createApiHandler, ROUTES } from './api.ts';
export type { ApiOptions } from './api.ts';
export { startApiServer } from './server.ts';
export type { ApiServer } from './server.ts';
export { ROLES, TokenConfigError, authenticate, hashToken, loadTokenTable, parseTokenTable } from './auth.ts';
export type { Principal, Role, TokenTable } from './auth.ts';
export { ApiError, MAX_BODY_BYTES } from './http.ts';
