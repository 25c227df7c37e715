/** A gateway id, as the contract allows it: it starts every series key (<gateway>/<device>/<point>). */
export const gatewayIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
