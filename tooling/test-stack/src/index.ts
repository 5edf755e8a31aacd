export type {
  ExportedSeries,
  HttpRequestOptions,
  HttpResponse,
  StartVictoriaMetricsOptions,
  VictoriaMetricsServer,
} from "@anomaly-writer/local-vm";
export { freePort, httpSend, labelKey, startVictoriaMetrics } from "@anomaly-writer/local-vm";
export type { VmalertRulesCheck } from "./check-vmalert-rules.ts";
export { checkVmalertRules } from "./check-vmalert-rules.ts";
export type { TestCertificates } from "./make-certificates.ts";
export { makeCertificates } from "./make-certificates.ts";
export { BACKFILL_LIMITS, makeRecords, writerYaml } from "./make-records.ts";
export type { NginxServer, StartNginxOptions } from "./start-nginx.ts";
export { startNginx } from "./start-nginx.ts";
export type {
  PrometheusSample,
  PrometheusSeries,
  PrometheusServer,
  StartPrometheusOptions,
} from "./start-prometheus.ts";
export { startPrometheus } from "./start-prometheus.ts";
export type { StartVmagentOptions, VmagentServer } from "./start-vmagent.ts";
export { startVmagent } from "./start-vmagent.ts";
export type { StartVmalertOptions, VmalertAlert, VmalertServer } from "./start-vmalert.ts";
export { startVmalert } from "./start-vmalert.ts";
export type { StartVmauthOptions, VmauthServer, VmauthUser } from "./start-vmauth.ts";
export { startVmauth } from "./start-vmauth.ts";
export { waitForPort } from "./wait-for-port.ts";
