/** Names that become parts of series keys (<gateway>/<device>/<point>): no "/" and no spaces. */
export { gatewayIdPattern } from '@davy/proto';
export const deviceNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
