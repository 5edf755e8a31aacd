/** Where model outputs are POSTed. */
export const INGEST_PATH = "/api/v1/outputs";
/** The health route: open without credentials, for load balancers. */
export const HEALTH_PATH = "/health";
