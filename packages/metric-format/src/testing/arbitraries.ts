import fc from "fast-check";
import type { ModelOutputRecord, RawValue } from "../types.ts";

/** Strings that have broken JSON encoders: quotes, backslashes, control characters, surrogates. */
const HOSTILE = [
  '"',
  "\\",
  "\n",
  "\r\n",
  "\t",
  "\u0000",
  "\u0001",
  "\u001f",
  "\u007f",
  "\u2028",
  "\u2029",
  "\ufeff",
  "😀",
  "👍🏽",
  "日本",
  "é",
  "\ud800",
  "\udfff",
  "\\u0041",
  "</script>",
  "{}",
  '","',
  "$VAR",
  "$QUERY_KEY",
  " ",
];

/** Any string, biased towards the hostile ones. */
export const hostileString = (maxLength = 12): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: "binary", maxLength }),
    fc.string({ unit: fc.constantFrom(...HOSTILE), maxLength: 4 }).map((s) => s.slice(0, maxLength * 2)),
    fc.string({ maxLength }),
  );

/** A label name VictoriaMetrics 1.79 stores as given: non-empty, at most 20 UTF-16 units. */
export const labelName: fc.Arbitrary<string> = hostileString(10).filter((name) => name !== "");

/**
 * A finite number VictoriaMetrics 1.79 stores exactly: at most 6 significant digits, decimal
 * exponent in [-6, 6]. (It keeps about 12-13 significant digits and stores the values of a block
 * with a common decimal exponent, so arbitrary doubles come back rounded.)
 */
export const vmExactNumber: fc.Arbitrary<number> = fc
  .tuple(fc.integer({ min: -999_999, max: 999_999 }), fc.integer({ min: -6, max: 6 }))
  .map(([mantissa, exponent]) => Number(`${mantissa}e${exponent}`));

/** Every spelling of a non-finite value a record may carry. */
export const nonFiniteValue: fc.Arbitrary<RawValue> = fc.constantFrom<RawValue>(
  null,
  "NaN",
  "nan",
  "Inf",
  "+Inf",
  "-Inf",
  "inf",
  "-Infinity",
  NaN,
  Infinity,
  -Infinity,
);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * An output variable name: non-empty and well-formed (two variables that differ only in lone
 * surrogates would both become U+FFFD and write the same series).
 */
export const variableName: fc.Arbitrary<string> = hostileString(8).filter(
  (name) => name !== "" && !LONE_SURROGATE.test(name),
);

/** A raw value: mostly VictoriaMetrics-exact finite numbers, sometimes a non-finite spelling. */
export const rawValue: fc.Arbitrary<RawValue> = fc.oneof(
  { weight: 4, arbitrary: vmExactNumber },
  { weight: 1, arbitrary: nonFiniteValue },
);

/** A valid model-output record with 1-5 unique timestamps in [0, maxTimestamp] and 1-3 variables. */
export function modelOutputRecord(options: { readonly maxTimestamp: number }): fc.Arbitrary<ModelOutputRecord> {
  return fc.integer({ min: 1, max: 5 }).chain((count) =>
    fc
      .record({
        query_key: hostileString(10).filter((key) => key !== ""),
        labels: fc.dictionary(labelName, hostileString(), { maxKeys: 6 }),
        timestamps: fc.uniqueArray(fc.integer({ min: 0, max: options.maxTimestamp }), {
          minLength: count,
          maxLength: count,
        }),
        outputs: fc.dictionary(variableName, fc.array(rawValue, { minLength: count, maxLength: count }), {
          minKeys: 1,
          maxKeys: 3,
        }),
        aliases: fc.record(
          { model_alias: hostileString(), scheduler_alias: hostileString(), preset: hostileString() },
          { requiredKeys: [] },
        ),
      })
      .map(({ aliases, ...record }): ModelOutputRecord => ({ ...record, ...aliases })),
  );
}

/** Several records with distinct query keys, so that their series never merge. */
export function modelOutputRecords(options: {
  readonly maxTimestamp: number;
  readonly maxLength: number;
}): fc.Arbitrary<ModelOutputRecord[]> {
  return fc
    .array(modelOutputRecord(options), { minLength: 1, maxLength: options.maxLength })
    .map((records) => records.map((record, i) => ({ ...record, query_key: `${record.query_key}#${i}` })));
}
