// Secrets of the transport's unit tests: none may show in an error, a message or a hook info.
export const PASSWORD = "pa55-Local-Secret!";
export const TOKEN = "tok-local-7f3a9c1e";
export const URL_PASSWORD = "url-pass-4d2b";
/** Every secret above in each form a leak could take (basic credentials in base64 too). */
export const SECRETS = [
  PASSWORD,
  TOKEN,
  URL_PASSWORD,
  Buffer.from(`writer:${PASSWORD}`).toString("base64"),
  Buffer.from(`alice:${URL_PASSWORD}`).toString("base64"),
];
