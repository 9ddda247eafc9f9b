import type { JsonObject, JsonValue, RecordedEvent } from '@pc/event-store';
import { later, occurredAt, optionalObject, optionalText, text } from '../shared/event-data';
import { grant, parsePeriods, periodsJson, revoke } from '../shared/periods';
import {
  type ApplyFn,
  type Change,
  defineProjection,
  patch,
  type ReadView,
  type Row,
  upsert,
} from '../shared/runtime';

/**
 * Partner overview: one partner's own facts — company profile and verification, authorization
 * periods, users with their roles, invitations with their take-up — and when anything last happened
 * to the partner. Counts that depend on the clock ("active" authorizations) are evaluated by the
 * query, which is why periods are stored rather than flags. Client, subscription and POR-inbox
 * figures come from the client_list and por_inbox projections (see the query): one source of truth
 * per fact, so the overview can never disagree with the client list.
 */
export const PARTNER_OVERVIEW = 'partner_overview';

export type InvitationKind = 'trial-invite' | 'purchase-offer';

const partnerKey = (partnerId: string) => ({ partner_id: partnerId });

/** Sets columns of the partner row and moves its last activity forward (never back). */
async function onPartner(
  view: ReadView,
  event: RecordedEvent,
  partnerId: string,
  values: Record<string, JsonValue> = {},
): Promise<Change[]> {
  const row = await view.get('partners', partnerKey(partnerId));
  if (!row) return [];
  const lastActivity = later(row.last_activity as string | null, occurredAt(event));
  return [patch('partners', partnerKey(partnerId), { ...values, last_activity: lastActivity })];
}

/** Events that only touch partners (their last activity), naming them in these fields. */
const touches =
  (...fields: string[]): ApplyFn =>
  async (event, view) => {
    const ids = new Set(
      fields.map((f) => optionalText(event.data, f)).filter((id): id is string => id !== null),
    );
    const changes: Change[] = [];
    for (const id of [...ids].sort()) changes.push(...(await onPartner(view, event, id)));
    return changes;
  };

/** The partner of a partner user who acted (an ActingRef under `field`), if it was one. */
const touchesActing =
  (field: string): ApplyFn =>
  async (event, view) => {
    const by = optionalObject(event.data, field);
    const partnerId = by ? optionalText(by, 'partnerId') : null;
    return partnerId === null ? [] : onPartner(view, event, partnerId);
  };

/**
 * The fields that asked for re-verification since the profile was last verified (`reverify_fields`:
 * null while it never was, [] just after): a second change adds to the first, a rejection keeps them;
 * a profile never verified stays null, as the whole of it waits for its first verification.
 */
function reverifyFields(row: Row | undefined, becauseOf: JsonValue | undefined): JsonValue {
  const listed = row?.reverify_fields;
  if (!Array.isArray(listed)) return null;
  const fields = Array.isArray(becauseOf) ? becauseOf : [];
  return [...new Set([...listed, ...fields].filter((f): f is string => typeof f === 'string'))];
}

const partnerEvent =
  (
    values: (
      event: RecordedEvent,
      view: ReadView,
    ) => Promise<Record<string, JsonValue>> | Record<string, JsonValue>,
  ): ApplyFn =>
  async (event, view) =>
    onPartner(view, event, text(event.data, 'partnerId'), await values(event, view));

async function authorizationChange(
  event: RecordedEvent,
  view: ReadView,
  granted: boolean,
): Promise<Change[]> {
  const partnerId = text(event.data, 'partnerId');
  const key = { partner_id: partnerId, authorization: text(event.data, 'authorization') };
  const periods = parsePeriods((await view.get('authorizations', key))?.periods);
  const effectiveFrom = text(event.data, 'effectiveFrom');
  const next = granted ? grant(periods, effectiveFrom) : revoke(periods, effectiveFrom);
  return [
    upsert('authorizations', key, { periods: periodsJson(next) }),
    ...(await onPartner(view, event, partnerId)),
  ];
}

const userKey = (event: RecordedEvent) => ({
  partner_id: text(event.data, 'partnerId'),
  user_id: text(event.data, 'userId'),
});

/** A change to one user, plus the partner's activity. */
const userEvent =
  (values: (data: JsonObject) => Record<string, JsonValue>): ApplyFn =>
  async (event, view) => [
    patch('users', userKey(event), values(event.data)),
    ...(await onPartner(view, event, text(event.data, 'partnerId'))),
  ];

function invitationKey(event: RecordedEvent, kind: InvitationKind) {
  const idField = kind === 'trial-invite' ? 'inviteId' : 'purchaseOfferId';
  return { partner_id: text(event.data, 'partnerId'), kind, invitation_id: text(event.data, idField) };
}

const invitationCreated =
  (kind: InvitationKind): ApplyFn =>
  async (event, view) => [
    upsert('invitations', invitationKey(event, kind), {
      state: 'open',
      created_at: text(event.data, 'createdAt'),
      expires_at: optionalText(event.data, 'expiresAt'),
      take_ups: 0,
    }),
    ...(await onPartner(view, event, text(event.data, 'partnerId'))),
  ];

const invitationClosed =
  (kind: InvitationKind, state: string): ApplyFn =>
  async (event, view) => [
    patch('invitations', invitationKey(event, kind), { state }),
    ...(await onPartner(view, event, text(event.data, 'partnerId'))),
  ];

/**
 * A subscription that came through an invitation: the invitation's take-up count goes up once per
 * customer (a purchase offer with several lines writes one event per line; it is one acceptance).
 */
async function subscriptionThrough(event: RecordedEvent, view: ReadView): Promise<Change[]> {
  const changes = await touches('partnerId', 'partnerOfRecordId')(event, view);
  const via = optionalObject(event.data, 'via');
  const kind = via ? optionalText(via, 'kind') : null;
  if (!via || (kind !== 'trial-invite' && kind !== 'purchase-offer')) return changes;
  const invitation = { partner_id: text(via, 'partnerId'), kind, invitation_id: text(via, 'id') };
  const takeUp = { ...invitation, customer_id: text(event.data, 'customerId') };
  if (await view.get('take_ups', takeUp)) return changes;
  const row = await view.get('invitations', invitation);
  return [
    ...changes,
    upsert('take_ups', takeUp, { at: occurredAt(event) }),
    ...(row ? [patch('invitations', invitation, { take_ups: Number(row.take_ups) + 1 })] : []),
  ];
}

/** Own-company roles and access to supported companies are independent columns. */
const roleColumn = (data: JsonObject): string =>
  text(data, 'scope') === 'company' ? 'company_role' : 'customer_access';

function mergedProfile(current: JsonValue | undefined, changes: JsonObject): JsonObject {
  const profile: JsonObject =
    current !== null && typeof current === 'object' && !Array.isArray(current) ? { ...current } : {};
  for (const [field, change] of Object.entries(changes)) {
    const to = change !== null && typeof change === 'object' && !Array.isArray(change) ? change.to : null;
    if (to === null || to === undefined) delete profile[field];
    else profile[field] = to;
  }
  return profile;
}

export const partnerOverviewProjection = defineProjection({
  name: PARTNER_OVERVIEW,
  // 2: delegation auto-extension changes, ending notices and delegated password resets are partner activity.
  // 3: reverify fields accumulate while pending; a delegated admin's service requests are activity; a
  // product key's claim no longer is (a refused application releases it; the subscription's own event
  // is the activity).
  version: 3,
  schema: {
    tables: {
      partners: {
        columns: {
          partner_id: 'text',
          legal_name: 'text',
          profile: 'json',
          verification: 'text',
          rejection_reason: { type: 'text', nullable: true },
          /** The profile fields whose change requires a new verification, while pending for that reason. */
          reverify_fields: { type: 'json', nullable: true },
          registered_at: 'text',
          /** Max business time (occurredAt) of the events touching the partner. */
          last_activity: 'text',
        },
        primaryKey: ['partner_id'],
        partnerIdColumn: 'partner_id',
      },
      authorizations: {
        columns: { partner_id: 'text', authorization: 'text', periods: 'json' },
        primaryKey: ['partner_id', 'authorization'],
        partnerIdColumn: 'partner_id',
      },
      users: {
        columns: {
          partner_id: 'text',
          user_id: 'text',
          email: 'text',
          display_name: 'text',
          active: 'boolean',
          company_role: { type: 'text', nullable: true },
          customer_access: { type: 'text', nullable: true },
        },
        primaryKey: ['partner_id', 'user_id'],
        partnerIdColumn: 'partner_id',
      },
      invitations: {
        columns: {
          partner_id: 'text',
          kind: 'text',
          invitation_id: 'text',
          /** open | revoked | withdrawn | expired */
          state: 'text',
          created_at: 'text',
          expires_at: { type: 'text', nullable: true },
          /** Redemptions (trial invites) or acceptances (purchase offers): one per customer. */
          take_ups: 'integer',
        },
        primaryKey: ['partner_id', 'kind', 'invitation_id'],
        indexes: { by_state: { columns: ['partner_id', 'kind', 'state'] } },
        partnerIdColumn: 'partner_id',
      },
      /** Helper: which customer already took up which invitation (counted once). */
      take_ups: {
        columns: { partner_id: 'text', kind: 'text', invitation_id: 'text', customer_id: 'text', at: 'text' },
        primaryKey: ['partner_id', 'kind', 'invitation_id', 'customer_id'],
        partnerIdColumn: 'partner_id',
      },
    },
  },
  on: {
    PartnerRegistered: (event) => {
      const profile = event.data.profile as JsonObject;
      const at = occurredAt(event);
      return [
        upsert('partners', partnerKey(text(event.data, 'partnerId')), {
          legal_name: text(profile, 'legalName'),
          profile,
          verification: text(event.data, 'verification'),
          rejection_reason: null,
          // null until the profile is first verified; then the fields changed since the last verification.
          reverify_fields: text(event.data, 'verification') === 'verified' ? [] : null,
          registered_at: at,
          last_activity: at,
        }),
      ];
    },
    CompanyProfileUpdated: partnerEvent(async (event, view) => {
      const row = await view.get('partners', partnerKey(text(event.data, 'partnerId')));
      const profile = mergedProfile(row?.profile, event.data.changes as JsonObject);
      return { profile, legal_name: typeof profile.legalName === 'string' ? profile.legalName : '' };
    }),
    CompanyProfileVerificationRequired: partnerEvent(async (event, view) => {
      const row = await view.get('partners', partnerKey(text(event.data, 'partnerId')));
      return {
        verification: 'pending',
        rejection_reason: null,
        reverify_fields: reverifyFields(row, event.data.becauseOf),
      };
    }),
    CompanyProfileVerified: partnerEvent(() => ({
      verification: 'verified',
      rejection_reason: null,
      reverify_fields: [],
    })),
    // A rejection verifies nothing: the fields changed since the last verification stay listed.
    CompanyProfileRejected: partnerEvent((event) => ({
      verification: 'rejected',
      rejection_reason: text(event.data, 'reason'),
    })),
    AuthorizationGranted: (event, view) => authorizationChange(event, view, true),
    AuthorizationRevoked: (event, view) => authorizationChange(event, view, false),
    PartnerUserCreated: async (event, view) => [
      upsert('users', userKey(event), {
        email: text(event.data, 'email'),
        display_name: text(event.data, 'displayName'),
        active: true,
        company_role: null,
        customer_access: null,
      }),
      ...(await onPartner(view, event, text(event.data, 'partnerId'))),
    ],
    PartnerUserUpdated: userEvent((data) => {
      const changes = data.changes as JsonObject;
      const to = (field: string) => {
        const change = optionalObject(changes, field);
        return change && typeof change.to === 'string'
          ? { [field === 'email' ? 'email' : 'display_name']: change.to }
          : {};
      };
      return { ...to('email'), ...to('displayName') };
    }),
    PartnerUserDeactivated: userEvent(() => ({ active: false })),
    PartnerUserReactivated: userEvent(() => ({ active: true })),
    AdminRoleAssigned: userEvent((data) => ({ [roleColumn(data)]: text(data, 'role') })),
    AdminRoleRevoked: userEvent((data) => ({ [roleColumn(data)]: null })),
    TrialInviteCreated: invitationCreated('trial-invite'),
    TrialInviteRevoked: invitationClosed('trial-invite', 'revoked'),
    TrialInviteExpired: invitationClosed('trial-invite', 'expired'),
    PurchaseOfferCreated: invitationCreated('purchase-offer'),
    PurchaseOfferWithdrawn: invitationClosed('purchase-offer', 'withdrawn'),
    PurchaseOfferExpired: invitationClosed('purchase-offer', 'expired'),
    TrialStarted: subscriptionThrough,
    SubscriptionStarted: subscriptionThrough,
    TrialConverted: subscriptionThrough,
    // Everything else that happens to a partner's customers or delegations is activity of the partner.
    LicenseCountChanged: touches('partnerId', 'partnerOfRecordId'),
    TrialExpiring: touches('partnerId', 'partnerOfRecordId'),
    TrialExpired: touches('partnerId', 'partnerOfRecordId'),
    SubscriptionRenewed: touches('partnerId', 'partnerOfRecordId'),
    SubscriptionCancelled: touches('partnerId', 'partnerOfRecordId'),
    SubscriptionSuspended: touches('partnerId', 'partnerOfRecordId'),
    SubscriptionReactivated: touches('partnerId', 'partnerOfRecordId'),
    CustomerAdvisorAdded: touches('partnerId'),
    PartnerOfRecordChanged: touches('partnerId', 'previousPartnerId'),
    DelegatedAdminAcceptedAtRedemption: touches('partnerId'),
    DelegatedAdminDeclinedAtRedemption: touches('partnerId'),
    DelegationOffered: touches('partnerId'),
    DelegationAccepted: touches('partnerId'),
    DelegationDeclined: touches('partnerId'),
    DelegationOfferExpired: touches('partnerId'),
    DelegationRemoved: touches('partnerId'),
    DelegationEnded: touches('partnerId'),
    DelegationAutoExtended: touches('partnerId'),
    DelegationAutoExtendChanged: touches('partnerId'),
    DelegationEnding: touches('partnerId'),
    // A delegated admin's password reset (byPartnerId is null when the customer's own admin reset it).
    CustomerUserPasswordReset: touches('byPartnerId'),
    // A delegated admin's service requests (openedBy etc. name a partner only for a partner user).
    ServiceRequestCreated: touchesActing('openedBy'),
    ServiceRequestUpdated: touchesActing('updatedBy'),
    ServiceRequestClosed: touchesActing('closedBy'),
    ProductKeyBatchRegistered: touches('partnerId'),
    PorNotificationsMarkedRead: touches('partnerId'),
  },
});
