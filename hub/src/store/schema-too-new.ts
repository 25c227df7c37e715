/** The database was set up by a newer davy-hub: retrying cannot help, so the hub stops. */
export class SchemaTooNewError extends Error {}
