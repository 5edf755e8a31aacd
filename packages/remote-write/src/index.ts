export type { CreateSnappyCodecOptions, SnappyCodec, SnappyImplementation } from "./create-snappy-codec.ts";
export { createSnappyCodec } from "./create-snappy-codec.ts";
export type { DecodeWriteRequestOptions } from "./decode-write-request.ts";
export { decodeWriteRequest } from "./decode-write-request.ts";
export type { EncodeWriteRequestOptions } from "./encode-write-request.ts";
export { encodeWriteRequest } from "./encode-write-request.ts";
export { encodeWriteRequestProto } from "./encode-write-request-proto.ts";
export type { RemoteWriteErrorCode } from "./errors.ts";
export { RemoteWriteError } from "./errors.ts";
export { REMOTE_WRITE_HEADERS } from "./remote-write-headers.ts";
export { resolveSnappyImplementation } from "./resolve-snappy-implementation.ts";
export type {
  DecodedLabel,
  DecodedSample,
  DecodedTimeSeries,
  DecodedWriteRequest,
  RemoteWriteSeries,
} from "./types.ts";
export { WRITE_REQUEST_DEFINITION } from "./write-request-definition.ts";
