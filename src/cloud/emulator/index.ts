export { startEmulator } from './server.ts';
export type { EmulatorOptions, RunningEmulator } from './server.ts';
export { IAM_ACTION_RESOURCES, authorizeCall } from './authorize.ts';
export { parseAuthorization, verifySignature, MAX_CLOCK_SKEW_MS } from './sigv4.ts';
export { parseQueryParams } from './query.ts';
export { resultXml, errorXml, rfc3986, NAMESPACES } from './xml.ts';
