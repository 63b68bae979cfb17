import type { Company, Contact, LeadKind } from './lead.events';
import type { FieldProblem } from './lead.errors';

// Deliberately pragmatic: one @, no spaces, a dotted domain. Full RFC 5322 accepts addresses no mail system delivers to.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const PHONE_CHARS = /^\+?[\d\s().\-/]+$/;
const MAX_NAME = 200;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Digits only, keeping a leading + so that +49... and 0049... stay distinguishable from local numbers. */
export function normalizePhone(phone: string): string {
  const trimmed = phone.trim();
  const digits = trimmed.replace(/\D/g, '');
  return trimmed.startsWith('+') ? `+${digits}` : digits;
}

export function contactProblems(contact: Partial<Contact> | undefined, path = 'contact'): FieldProblem[] {
  if (!contact) return [{ field: path, message: 'is required: no contact data, no lead' }];
  const problems: FieldProblem[] = [];
  const name = contact.name?.trim();
  if (!name) problems.push({ field: `${path}.name`, message: 'is required' });
  else if (name.length > MAX_NAME) problems.push({ field: `${path}.name`, message: `must be at most ${MAX_NAME} characters` });
  if (contact.email !== undefined && !EMAIL.test(contact.email.trim())) {
    problems.push({ field: `${path}.email`, message: 'is not a valid email address' }); // the value is personal: errors get logged
  }
  if (contact.phone !== undefined) {
    const digits = contact.phone.replace(/\D/g, '');
    if (!PHONE_CHARS.test(contact.phone) || digits.length < 6 || digits.length > 15) {
      problems.push({ field: `${path}.phone`, message: 'is not a valid phone number (6 to 15 digits)' });
    }
  }
  if (!contact.email && !contact.phone) {
    problems.push({ field: `${path}.email`, message: 'a lead needs at least one valid email or phone' });
  }
  return problems;
}

export function companyProblems(kind: LeadKind, company: Partial<Company> | undefined, now: Date): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (kind === 'B2B' && !company?.name?.trim()) {
    problems.push({ field: 'company.name', message: 'is required: B2B leads carry a company' });
  }
  if (!company) return problems;
  if (company.name !== undefined && company.name.trim().length > MAX_NAME) {
    problems.push({ field: 'company.name', message: `must be at most ${MAX_NAME} characters` });
  }
  if (company.employees !== undefined && (!Number.isInteger(company.employees) || company.employees < 0)) {
    problems.push({ field: 'company.employees', message: 'must be a non-negative whole number' });
  }
  if (company.annualRevenue !== undefined && !(company.annualRevenue >= 0)) {
    problems.push({ field: 'company.annualRevenue', message: 'must be a non-negative number' });
  }
  if (
    company.foundedYear !== undefined &&
    (!Number.isInteger(company.foundedYear) || company.foundedYear < 1600 || company.foundedYear > now.getUTCFullYear())
  ) {
    problems.push({ field: 'company.foundedYear', message: `must be a year between 1600 and ${now.getUTCFullYear()}` });
  }
  if (company.country !== undefined && !/^[A-Za-z]{2}$/.test(company.country)) {
    problems.push({ field: 'company.country', message: 'must be an ISO 3166-1 alpha-2 code such as "DE"' });
  }
  return problems;
}

/** Cleans what the lead gave us: trimmed strings, no empty optionals. */
export function cleanContact(contact: Contact): Contact {
  return {
    name: contact.name.trim(),
    ...(contact.email ? { email: contact.email.trim() } : {}),
    ...(contact.phone ? { phone: contact.phone.trim() } : {}),
  };
}

export function contactKeys(contact: Contact): { normalizedEmail?: string; normalizedPhone?: string } {
  return {
    ...(contact.email ? { normalizedEmail: normalizeEmail(contact.email) } : {}),
    ...(contact.phone ? { normalizedPhone: normalizePhone(contact.phone) } : {}),
  };
}
