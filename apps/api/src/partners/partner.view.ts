import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUTHORIZATIONS, type PartnerState, holdsAuthorization } from '@pc/domain';
import { AddressDto } from './partner.dto';

class ProfileView {
  @ApiProperty() legalName!: string;
  @ApiProperty({ type: AddressDto }) address!: AddressDto;
  @ApiProperty() phone!: string;
  @ApiProperty() email!: string;
  @ApiPropertyOptional() website?: string;
}

class AuthorizationPeriodView {
  @ApiProperty() from!: string;
  @ApiPropertyOptional() until?: string;
}

class AuthorizationView {
  @ApiProperty({ enum: AUTHORIZATIONS }) authorization!: string;
  @ApiProperty({ description: 'Held at the time of the request' }) active!: boolean;
  @ApiProperty({ type: [AuthorizationPeriodView] }) periods!: AuthorizationPeriodView[];
}

class PartnerUserView {
  @ApiProperty() userId!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty() active!: boolean;
  @ApiProperty({ nullable: true, type: String }) companyRole!: string | null;
  @ApiProperty({ nullable: true, type: String, enum: ['full', 'limited'] }) customerAccess!: string | null;
}

/** The partner's own admin page: its current state folded from its stream. */
export class PartnerView {
  @ApiProperty() partnerId!: string;
  @ApiProperty({ description: 'Revision of the partner stream (also the ETag)' }) revision!: number;
  @ApiProperty({ type: ProfileView }) profile!: ProfileView;
  @ApiProperty({ enum: ['pending', 'verified', 'rejected'] }) verification!: string;
  @ApiProperty({ nullable: true, type: String }) rejectionReason!: string | null;
  @ApiProperty({ type: [AuthorizationView] }) authorizations!: AuthorizationView[];
  @ApiProperty({ type: [PartnerUserView] }) users!: PartnerUserView[];
}

export function toPartnerView(state: PartnerState, revision: number, now: string): PartnerView {
  return {
    partnerId: state.id,
    revision,
    profile: state.profile as ProfileView,
    verification: state.verification,
    rejectionReason: state.rejectionReason,
    authorizations: AUTHORIZATIONS.filter((a) => state.authorizations[a] !== undefined).map((a) => ({
      authorization: a,
      active: holdsAuthorization(state, a, now),
      periods: state.authorizations[a] ?? [],
    })),
    users: Object.values(state.users)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((u) => ({
        userId: u.id,
        email: u.email,
        displayName: u.displayName,
        active: u.active,
        companyRole: u.companyRole,
        customerAccess: u.customerAccess,
      })),
  };
}
