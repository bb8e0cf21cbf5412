// CNI errors as data. Anything may throw a CniError; only the skel (the
// protocol edge) turns it into spec JSON on stdout and a non-zero exit code.
// Codes 1-99 are the spec's (CNI 1.1.0, "Error" section); Podwire's own codes
// start at 100 and are listed once here and in docs/errors.md.

export const ErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodeFailure: 6,
  InvalidNetworkConfig: 7,
  TryAgainLater: 11,
  PluginNotAvailable: 50,
  PluginNotAvailableLimited: 51,
  Internal: 999,
  // Podwire-specific codes (>= 100).
  IpamExhausted: 100,
  AddressInUse: 101,
  DuplicateAttachment: 102,
  KernelFailure: 103,
  NetnsNotFound: 104,
  InterfaceExists: 105,
  CheckFailed: 106,
  DelegateFailed: 107,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface CniErrorJson {
  cniVersion?: string;
  code: number;
  msg: string;
  details?: string;
}

export class CniError extends Error {
  readonly code: number;
  readonly msg: string;
  readonly details: string | undefined;

  constructor(code: number, msg: string, details?: string) {
    super(details ? `${msg}: ${details}` : msg);
    this.name = 'CniError';
    this.code = code;
    this.msg = msg;
    this.details = details;
  }

  toJSON(cniVersion?: string): CniErrorJson {
    const out: CniErrorJson = cniVersion !== undefined
      ? { cniVersion, code: this.code, msg: this.msg }
      : { code: this.code, msg: this.msg };
    if (this.details !== undefined && this.details !== '') out.details = this.details;
    return out;
  }
}

/** Config error naming the offending field, e.g. `ipam.ranges[0].subnet: not a CIDR`. */
export function configError(field: string, problem: string): CniError {
  return new CniError(ErrorCode.InvalidNetworkConfig, `${field}: ${problem}`);
}

/** Environment error naming the variable, e.g. `CNI_IFNAME: not set`. */
export function envError(variable: string, problem: string): CniError {
  return new CniError(ErrorCode.InvalidEnvironment, `${variable}: ${problem}`);
}

/** Wraps anything thrown into a CniError, keeping CniErrors as they are. */
export function toCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  if (isCodedError(err)) return new CniError(err.cniCode, err.message);
  const message = err instanceof Error ? err.message : String(err);
  return new CniError(ErrorCode.Internal, 'internal error', message);
}

/** Errors from lower layers (KernelError, store errors) may carry a CNI code. */
export interface CodedError extends Error {
  cniCode: number;
}

function isCodedError(err: unknown): err is CodedError {
  return err instanceof Error && typeof (err as Partial<CodedError>).cniCode === 'number';
}
