import type { Evolver } from '../shared/types';
import { patchEntry } from '../shared/records';
import type {
  Authorization,
  CompanyProfile,
  CompanyRole,
  CustomerAccess,
  PartnerEvent,
  VerificationState,
} from './events';
import { entryOf } from '../shared/records';

export interface PartnerUser {
  id: string;
  email: string;
  displayName: string;
  active: boolean;
  companyRole: CompanyRole | null;
  customerAccess: CustomerAccess | null;
}

/** One period in which an authorization holds: from `from` until `until` (exclusive), open-ended if absent. */
export interface AuthorizationPeriod {
  from: string;
  until?: string;
}

export interface PartnerState {
  exists: boolean;
  id: string;
  profile: CompanyProfile | null;
  verification: VerificationState;
  rejectionReason: string | null;
  authorizations: Partial<Record<Authorization, AuthorizationPeriod[]>>;
  users: Record<string, PartnerUser>;
  /** Lower-cased e-mail → user id, for case-insensitive uniqueness within the partner. */
  emails: Record<string, string>;
}

export const initialPartnerState: PartnerState = {
  exists: false,
  id: '',
  profile: null,
  verification: 'pending',
  rejectionReason: null,
  authorizations: {},
  users: {},
  emails: {},
};

/** How e-mails are keyed and compared: trimmed and lower-cased (unique case-insensitively). */
export const emailKey = (email: string): string => email.trim().toLowerCase();

const withUser = (state: PartnerState, userId: string, patch: Partial<PartnerUser>): PartnerState => {
  const users = patchEntry(state.users, userId, () => patch);
  return users === state.users ? state : { ...state, users };
};

export const partnerEvolver: Evolver<PartnerState, PartnerEvent> = {
  initialState: initialPartnerState,
  evolve(state, event) {
    switch (event.type) {
      case 'PartnerRegistered':
        return {
          ...state,
          exists: true,
          id: event.data.partnerId,
          profile: event.data.profile,
          verification: event.data.verification,
        };
      case 'CompanyProfileUpdated': {
        if (!state.profile) return state;
        const profile: Record<string, unknown> = { ...state.profile };
        for (const [field, change] of Object.entries(event.data.changes)) {
          if (change.to === null) delete profile[field];
          else profile[field] = change.to;
        }
        return { ...state, profile: profile as unknown as CompanyProfile };
      }
      case 'CompanyProfileVerificationRequired':
        return { ...state, verification: 'pending', rejectionReason: null };
      case 'CompanyProfileVerified':
        return { ...state, verification: 'verified', rejectionReason: null };
      case 'CompanyProfileRejected':
        return { ...state, verification: 'rejected', rejectionReason: event.data.reason };
      case 'AuthorizationGranted': {
        // A grant opens a new period; one on an open period that starts later moves its start
        // earlier (the only grant the decider writes while a period is open, so older histories,
        // whose grants always followed a revocation, fold as before).
        const { authorization, effectiveFrom } = event.data;
        const periods = [...(entryOf(state.authorizations, authorization) ?? [])];
        const last = periods[periods.length - 1];
        if (last && last.until === undefined) {
          if (effectiveFrom >= last.from) return state;
          periods[periods.length - 1] = { ...last, from: effectiveFrom };
        } else periods.push({ from: effectiveFrom });
        return { ...state, authorizations: { ...state.authorizations, [authorization]: periods } };
      }
      case 'AuthorizationRevoked': {
        // A revocation ends the last period, or moves an end already scheduled earlier; never later.
        const { authorization, effectiveFrom } = event.data;
        const periods = [...(entryOf(state.authorizations, authorization) ?? [])];
        const last = periods[periods.length - 1];
        if (last && (last.until === undefined || effectiveFrom < last.until))
          periods[periods.length - 1] = { ...last, until: effectiveFrom };
        return { ...state, authorizations: { ...state.authorizations, [authorization]: periods } };
      }
      case 'PartnerUserCreated':
        return {
          ...state,
          users: {
            ...state.users,
            [event.data.userId]: {
              id: event.data.userId,
              email: event.data.email,
              displayName: event.data.displayName,
              active: true,
              companyRole: null,
              customerAccess: null,
            },
          },
          emails: { ...state.emails, [emailKey(event.data.email)]: event.data.userId },
        };
      case 'PartnerUserUpdated': {
        const { email, displayName } = event.data.changes;
        let next = withUser(state, event.data.userId, {
          ...(email?.to ? { email: email.to } : {}),
          ...(displayName?.to ? { displayName: displayName.to } : {}),
        });
        if (email?.from && email.to) {
          const emails = { ...next.emails };
          delete emails[emailKey(email.from)];
          emails[emailKey(email.to)] = event.data.userId;
          next = { ...next, emails };
        }
        return next;
      }
      case 'PartnerUserDeactivated':
        return withUser(state, event.data.userId, { active: false });
      case 'PartnerUserReactivated':
        return withUser(state, event.data.userId, { active: true });
      case 'AdminRoleAssigned':
        return withUser(
          state,
          event.data.userId,
          event.data.scope === 'company'
            ? { companyRole: event.data.role as CompanyRole }
            : { customerAccess: event.data.role as CustomerAccess },
        );
      case 'AdminRoleRevoked':
        return withUser(
          state,
          event.data.userId,
          event.data.scope === 'company' ? { companyRole: null } : { customerAccess: null },
        );
      default:
        // Unknown (newer) event types leave the state as it is.
        return state;
    }
  },
};

/** Does the partner hold the authorization at the given instant? */
export function holdsAuthorization(state: PartnerState, authorization: Authorization, at: string): boolean {
  return (entryOf(state.authorizations, authorization) ?? []).some(
    (p) => p.from <= at && (p.until === undefined || at < p.until),
  );
}

/** Active users holding the global-admin company role. */
export function activeGlobalAdmins(state: PartnerState): PartnerUser[] {
  return Object.values(state.users).filter((u) => u.active && u.companyRole === 'global-admin');
}
