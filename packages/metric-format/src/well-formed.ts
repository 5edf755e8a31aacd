/** Any UTF-16 surrogate, paired or lone: where a template path leaves a text to the general path. */
export const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Replace lone UTF-16 surrogates with U+FFFD. VictoriaMetrics 1.79 stores an escaped lone
 * surrogate (`"\ud800"`) as the six literal characters, so we send what a UTF-8 encoder would.
 */
export function toWellFormed(text: string): string {
  return SURROGATE.test(text) ? text.replace(LONE_SURROGATE, "\ufffd") : text;
}
