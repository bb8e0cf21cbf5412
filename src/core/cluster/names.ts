// Kubernetes name and label syntax (apimachinery/pkg/util/validation). Object
// names double as file names in the file-backed store, so checking them here
// also keeps "../x" and "a/b" out of paths. Each check returns a problem
// description, or undefined when the text is valid.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** RFC 1123 label: namespace names, service names. */
export function dnsLabelProblem(text: string): string | undefined {
  if (text.length > 63) return 'must be no more than 63 characters';
  if (!DNS_LABEL.test(text)) return 'must consist of lower case alphanumeric characters or \'-\', and start and end with an alphanumeric character (RFC 1123 label)';
  return undefined;
}

/** RFC 1123 subdomain: most object names. */
export function dnsSubdomainProblem(text: string): string | undefined {
  if (text.length > 253) return 'must be no more than 253 characters';
  if (!DNS_SUBDOMAIN.test(text)) return 'must consist of lower case alphanumeric characters, \'-\' or \'.\', and start and end with an alphanumeric character (RFC 1123 subdomain)';
  return undefined;
}

/** Label and annotation keys: an optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
export function qualifiedNameProblem(text: string): string | undefined {
  const slash = text.indexOf('/');
  const name = slash < 0 ? text : text.slice(slash + 1);
  if (slash >= 0) {
    const prefix = text.slice(0, slash);
    if (prefix === '') return 'prefix part must be non-empty';
    const p = dnsSubdomainProblem(prefix);
    if (p) return `prefix part ${p}`;
  }
  if (name === '') return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!QUALIFIED_NAME.test(name)) return 'name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character';
  return undefined;
}

/** Label values: empty, or at most 63 characters of the qualified-name alphabet. */
export function labelValueProblem(text: string): string | undefined {
  if (text.length > 63) return 'must be no more than 63 characters';
  if (!LABEL_VALUE.test(text)) return 'must be empty or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character';
  return undefined;
}
