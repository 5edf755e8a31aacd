export { freePort, httpSend, labelKey, startVictoriaMetrics } from "@anomaly-writer/local-vm";
export type { ExportedSeries, HttpRequestOptions, HttpResponse, StartVictoriaMetricsOptions, VictoriaMetricsServer } from "@anomaly-writer/local-vm";
export { makeCertificates } from "./make-certificates.ts";
export type { TestCertificates } from "./make-certificates.ts";
export { startNginx } from "./start-nginx.ts";
export type { NginxServer, StartNginxOptions } from "./start-nginx.ts";
export { startVmauth } from "./start-vmauth.ts";
export type { StartVmauthOptions, VmauthServer, VmauthUser } from "./start-vmauth.ts";
export { waitForPort } from "./wait-for-port.ts";
