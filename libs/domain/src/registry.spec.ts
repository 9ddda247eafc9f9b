import { createDomainCommands, domainCommands } from './registry';
import { partnerCommands } from './partner/commands';
import { testCatalog } from './testing/fixtures';

describe('the registry', () => {
  it('domainCommands stays the partner-only registry (no catalog needed)', () => {
    expect([...domainCommands.keys()]).toEqual(partnerCommands.map((c) => c.type));
  });

  it('createDomainCommands(catalog) holds every command of the domain', () => {
    const commands = createDomainCommands(testCatalog);
    expect([...commands.keys()]).toEqual([
      ...partnerCommands.map((c) => c.type),
      'CreateTrialInvite',
      'RevokeTrialInvite',
      'ExpireTrialInvite',
      'CreatePurchaseOffer',
      'WithdrawPurchaseOffer',
      'ExpirePurchaseOffer',
      'RedeemTrialInvite',
      'AcceptPurchaseOffer',
      'CreateCustomerUser',
      'DeactivateCustomerUser',
      'ResetCustomerUserPassword',
      'ChangeLicenseCount',
      'ConvertTrial',
      'ExpireTrial',
      'MarkTrialExpiring',
      'RenewSubscription',
      'CancelSubscription',
      'SuspendSubscription',
      'ReactivateSubscription',
      'OfferDelegation',
      'AcceptDelegation',
      'DeclineDelegation',
      'RemoveDelegation',
      'ExpireDelegationOffer',
      'EndDelegation',
      'SetDelegationAutoExtend',
      'MarkDelegationEnding',
      'CreateServiceRequest',
      'UpdateServiceRequest',
      'CloseServiceRequest',
      'RegisterProductKeys',
      'ApplyProductKey',
      'ChangePartnerOfRecord',
    ]);
  });

  it('every definition names its primary among its streams', () => {
    const ctx = {
      actor: { kind: 'platform' as const, id: 'x' },
      now: '2026-01-01T00:00:00.000Z',
      newId: (n: string) => n,
    };
    for (const d of createDomainCommands(testCatalog).values()) {
      const payload = {
        partnerId: 'p',
        customerId: 'c',
        inviteId: 'i',
        purchaseOfferId: 'o',
        code: 'k',
        subscriptionId: 's',
      };
      expect(Object.keys(d.streams(payload, ctx))).toContain(d.primary);
    }
  });
});
