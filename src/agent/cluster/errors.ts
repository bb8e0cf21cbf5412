// Cluster API failures as data, shaped after metav1.Status: a stable
// `reason` to match on (as apimachinery's errors.IsNotFound and friends do),
// the HTTP `code` the API server would answer, and details naming the
// object. Every ClusterSource implementation throws these and only these, so
// an informer written against the file source behaves the same against the
// API server: relist on Gone, re-read and retry on Conflict.

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'Timeout'
  | 'InternalError';

const HTTP_CODE: Record<StatusReason, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Invalid: 422,
  BadRequest: 400,
  MethodNotAllowed: 405,
  Timeout: 504,
  InternalError: 500,
};

export interface StatusDetails {
  kind?: string;
  name?: string;
  namespace?: string;
  /** For Invalid: the offending field path, e.g. `spec.containers[0].ports[1].containerPort`. */
  field?: string;
}

export class ClusterError extends Error {
  readonly reason: StatusReason;
  /** The HTTP status code the Kubernetes API uses for this reason. */
  readonly code: number;
  readonly details: StatusDetails;

  constructor(reason: StatusReason, message: string, details: StatusDetails = {}) {
    super(message);
    this.name = 'ClusterError';
    this.reason = reason;
    this.code = HTTP_CODE[reason];
    this.details = details;
  }
}

function describe(kind: string, name: string): string {
  return `${kind.toLowerCase()}s "${name}"`;
}

export function notFound(kind: string, name: string, namespace?: string): ClusterError {
  return new ClusterError('NotFound', `${describe(kind, name)} not found`, { kind, name, ...(namespace ? { namespace } : {}) });
}

export function alreadyExists(kind: string, name: string, namespace?: string): ClusterError {
  return new ClusterError('AlreadyExists', `${describe(kind, name)} already exists`, { kind, name, ...(namespace ? { namespace } : {}) });
}

export function conflict(kind: string, name: string, why: string): ClusterError {
  return new ClusterError('Conflict', `Operation cannot be fulfilled on ${describe(kind, name)}: ${why}`, { kind, name });
}

/** The watch (or list) asked for a version older than the history kept: relist. */
export function gone(message: string): ClusterError {
  return new ClusterError('Gone', message);
}

/** An object that fails validation; `field` is the path relative to the object. */
export function invalid(kind: string, name: string, field: string, problem: string): ClusterError {
  return new ClusterError('Invalid', `${kind} "${name}" is invalid: ${field}: ${problem}`, { kind, name, field });
}

export function badRequest(message: string): ClusterError {
  return new ClusterError('BadRequest', message);
}

export function hasReason(err: unknown, reason: StatusReason): err is ClusterError {
  return err instanceof ClusterError && err.reason === reason;
}

export const isNotFound = (err: unknown): err is ClusterError => hasReason(err, 'NotFound');
export const isAlreadyExists = (err: unknown): err is ClusterError => hasReason(err, 'AlreadyExists');
export const isConflict = (err: unknown): err is ClusterError => hasReason(err, 'Conflict');
export const isGone = (err: unknown): err is ClusterError => hasReason(err, 'Gone');
