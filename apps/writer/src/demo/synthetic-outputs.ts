/** A small seeded PRNG (mulberry32), so the demo shows the same day every run. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticSeries {
  readonly queryKey: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly base: number;
  readonly amplitude: number;
  readonly noise: number;
  /** Indexes of points where an anomaly is injected, with its size in noise units. */
  readonly anomalies: readonly { readonly at: number; readonly size: number; readonly width: number }[];
}

export const DEMO_SERIES: readonly SyntheticSeries[] = [
  {
    queryKey: "cpu_rate",
    labels: { instance: "host-1:9100", job: "node" },
    base: 0.45,
    amplitude: 0.2,
    noise: 0.02,
    anomalies: [{ at: 190, size: 9, width: 4 }],
  },
  {
    queryKey: "cpu_rate",
    labels: { instance: "host-2:9100", job: "node" },
    base: 0.3,
    amplitude: 0.15,
    noise: 0.02,
    anomalies: [],
  },
  {
    queryKey: "cpu_rate",
    labels: { instance: "host-3:9100", job: "node" },
    base: 0.6,
    amplitude: 0.1,
    noise: 0.015,
    anomalies: [
      { at: 75, size: -8, width: 10 },
      { at: 250, size: 6, width: 2 },
    ],
  },
  {
    queryKey: "http_p99_seconds",
    labels: { service: "api", job: "gateway" },
    base: 0.25,
    amplitude: 0.08,
    noise: 0.01,
    anomalies: [{ at: 130, size: 12, width: 6 }],
  },
  {
    queryKey: "http_p99_seconds",
    labels: { service: "web", job: "gateway" },
    base: 0.12,
    amplitude: 0.04,
    noise: 0.006,
    anomalies: [],
  },
];

/** Model outputs (spec §2) for one day at 5-minute steps ending at `endMs`, with injected anomalies. */
export function createSyntheticOutputs(endMs: number, stepMs = 5 * 60_000, points = 288, seed = 42) {
  const random = createRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const start = Math.floor(endMs / stepMs) * stepMs - (points - 1) * stepMs;
  const timestamps = Array.from({ length: points }, (_, i) => start + i * stepMs);
  return DEMO_SERIES.map((series) => {
    const y: number[] = [];
    const yhat: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    const score: number[] = [];
    for (let i = 0; i < points; i++) {
      const phase = (2 * Math.PI * (timestamps[i] ?? 0)) / 86_400_000;
      const expected = series.base + series.amplitude * Math.sin(phase);
      let actual = expected + series.noise * gaussian();
      for (const anomaly of series.anomalies) {
        if (i >= anomaly.at && i < anomaly.at + anomaly.width) actual += anomaly.size * series.noise;
      }
      const band = 3 * series.noise;
      y.push(round(actual));
      yhat.push(round(expected));
      lower.push(round(expected - band));
      upper.push(round(expected + band));
      score.push(round(Math.abs(actual - expected) / band));
    }
    return {
      query_key: series.queryKey,
      labels: series.labels,
      timestamps,
      outputs: { anomaly_score: score, y, yhat, yhat_lower: lower, yhat_upper: upper },
      model_alias: "zscore_demo",
      scheduler_alias: "periodic_5m",
    };
  });
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
