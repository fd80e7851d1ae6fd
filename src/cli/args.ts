// Validation of what the user typed, before any AWS call.

/** `i-` followed by 8 or 17 lowercase hex digits. */
export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** A hybrid (on-premises / non-EC2) managed node: `mi-` followed by 17 lowercase hex digits. */
export const MANAGED_NODE_ID = /^mi-[0-9a-f]{17}$/;

/** True for `mi-` ids: registered with Systems Manager but not EC2 instances. */
export function isManagedNode(id: string): boolean {
  return MANAGED_NODE_ID.test(id);
}

/** AWS region names: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ap-southeast-5, us-isob-east-1 ... */
export const REGION = /^[a-z]{2}(?:-(?:gov|iso[a-z]?))?-[a-z]+-\d{1,2}$/;

/** Shortens and neutralises user input for quoting in a one-line error message. */
export function quote(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(clean.length > 40 ? `${clean.slice(0, 37)}...` : clean);
}

export function invalidInstanceIds(ids: string[]): string[] {
  return ids.filter((id) => !INSTANCE_ID.test(id) && !MANAGED_NODE_ID.test(id));
}
