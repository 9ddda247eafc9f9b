/** A RegisterPartner body with a valid profile: `partnerId` names everything; the first user by default `jana`. */
export const partnerRegistration = (
  partnerId: string,
  firstUser: { userId?: string; email?: string; displayName?: string } = {},
) => ({
  partnerId,
  profile: {
    legalName: `${partnerId} s.r.o.`,
    address: { line1: 'Hlavná 1', city: 'Bratislava', country: 'SK' },
    phone: '+421 2 1234 5678',
    email: `office@${partnerId}.example`,
  },
  firstUser: {
    userId: firstUser.userId ?? 'jana',
    email: firstUser.email ?? `jana@${partnerId}.example`,
    displayName: firstUser.displayName ?? 'Jana',
  },
});
