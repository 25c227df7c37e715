/** Names that become parts of series keys (<gateway>/<device>/<point>): no "/" and no spaces. */
export const gatewayIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const deviceNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
