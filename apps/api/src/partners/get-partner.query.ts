import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { type PartnerState, partnerEvolver, partnerStream } from '@pc/domain';
import type { ExtendedPipeline } from '@pc/pipeline';
import { CLOCK, COMMAND_PIPELINE, type Clock, partnerNotFound } from '../platform';
import { type PartnerView, toPartnerView } from './partner.view';

export class GetPartnerQuery extends Query<PartnerView> {
  constructor(readonly partnerId: string) {
    super();
  }
}

/** The partner's admin page, folded from its own stream (an aggregate read, not a projection). */
@QueryHandler(GetPartnerQuery)
export class GetPartnerHandler implements IQueryHandler<GetPartnerQuery, PartnerView> {
  constructor(
    @Inject(COMMAND_PIPELINE) private readonly pipeline: ExtendedPipeline,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ partnerId }: GetPartnerQuery): Promise<PartnerView> {
    const { state, revision } = await this.pipeline.readAggregate<PartnerState>(
      partnerStream(partnerId),
      partnerEvolver,
    );
    if (!state.exists) throw partnerNotFound(partnerId);
    return toPartnerView(state, revision, this.clock.now().toISOString());
  }
}
