import { Body, Controller, Get, HttpCode, Module, Param, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Min, ValidateNested } from 'class-validator';
import { EventStoreUnavailableError } from '@pc/event-store';
import {
  ApiCommand,
  assertCustomerVisible,
  assertPartnerVisible,
  CommandBodyDto,
  CommandGateway,
  CommandMeta,
  CurrentPrincipal,
  GuessingRateLimit,
  ProblemResponses,
  RequireScope,
  type CommandRequestMeta,
  type CommandResponseBody,
  type Principal,
} from '../../../apps/api/src/platform';

class PartDto {
  @IsString()
  @Length(1, 20)
  sku!: string;

  @IsInt()
  @Min(1)
  qty!: number;
}

class LookDto {
  @IsIn(['red', 'green'])
  color!: string;
}

class CreateWidgetDto extends CommandBodyDto {
  @Matches(/^[a-z0-9-]{1,40}$/)
  widgetId!: string;

  @IsString()
  @Length(1, 50)
  name!: string;

  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => PartDto)
  parts?: PartDto[];

  @IsOptional()
  @ValidateNested()
  @Type(() => LookDto)
  look?: LookDto;
}

class RenameWidgetDto extends CommandBodyDto {
  @IsString()
  @Length(1, 50)
  name!: string;
}

class ResolveCodeDto {
  @IsString()
  @Length(4, 40)
  code!: string;
}

/** A test-only feature controller, written the way real feature controllers are meant to be. */
@ApiTags('test')
@Controller('test')
class WidgetsController {
  constructor(private readonly commands: CommandGateway) {}

  @Post('partners/:partnerId/widgets')
  @ApiCommand({ problems: [409] })
  createWidget(
    @Param('partnerId') partnerId: string,
    @Body() body: CreateWidgetDto,
    @CommandMeta() meta: CommandRequestMeta,
  ): Promise<CommandResponseBody> {
    assertPartnerVisible(meta.principal, partnerId);
    return this.commands.send('CreateWidget', { widgetId: body.widgetId, name: body.name, partnerId }, meta);
  }

  @Put('widgets/:widgetId/name')
  @ApiCommand()
  renameWidget(
    @Param('widgetId') widgetId: string,
    @Body() body: RenameWidgetDto,
    @CommandMeta() meta: CommandRequestMeta,
  ): Promise<CommandResponseBody> {
    return this.commands.send('RenameWidget', { widgetId, name: body.name }, meta);
  }

  @Post('widgets/:widgetId/reject')
  @ApiCommand()
  rejectWidget(
    @Param('widgetId') widgetId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ): Promise<CommandResponseBody> {
    return this.commands.send('RejectWidget', { widgetId }, meta);
  }

  @Post('widgets/:widgetId/forbid')
  @ApiCommand()
  forbidWidget(
    @Param('widgetId') widgetId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ): Promise<CommandResponseBody> {
    return this.commands.send('ForbidWidget', { widgetId }, meta);
  }

  @Post('flaky/:id')
  @ApiCommand({ problems: [409] })
  touchFlaky(@Param('id') id: string, @CommandMeta() meta: CommandRequestMeta): Promise<CommandResponseBody> {
    return this.commands.send('TouchFlaky', { id }, meta);
  }

  @Post('users/:userId/secret')
  @ApiCommand()
  issueSecret(
    @Param('userId') userId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ): Promise<CommandResponseBody> {
    return this.commands.send('IssueSecret', { userId }, meta);
  }

  /** Deliberately unscoped at the route: the gateway still refuses tokens without a command scope. */
  @Post('unscoped/:widgetId/reject')
  unscopedCommand(
    @Param('widgetId') widgetId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ): Promise<CommandResponseBody> {
    return this.commands.send('RejectWidget', { widgetId }, meta);
  }

  @Post('codes/resolve')
  @HttpCode(200)
  @RequireScope('queries')
  @GuessingRateLimit()
  @ProblemResponses(400, 401)
  resolveCode(@Body() body: ResolveCodeDto): { code: string; found: boolean } {
    return { code: body.code, found: false };
  }

  @Get('partners/:partnerId')
  @RequireScope('queries', 'audit')
  @ProblemResponses(401, 403, 404)
  testGetPartner(
    @Param('partnerId') partnerId: string,
    @CurrentPrincipal() principal: Principal,
  ): { partnerId: string } {
    assertPartnerVisible(principal, partnerId);
    return { partnerId };
  }

  @Get('customers/:customerId')
  @RequireScope('queries', 'audit')
  testGetCustomer(
    @Param('customerId') customerId: string,
    @Query('partners') partners: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ): { customerId: string } {
    assertCustomerVisible(principal, customerId, partners ? partners.split(',') : undefined);
    return { customerId };
  }

  /** Lets a shutdown test have a request in flight. */
  @Get('slow')
  @RequireScope('queries')
  async slow(): Promise<{ done: boolean }> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { done: true };
  }

  @Get('boom')
  @RequireScope('queries')
  explode(): never {
    throw new Error('connection string postgres://admin:hunter2@db/secret');
  }

  @Get('unavailable')
  @RequireScope('queries')
  storeDown(): never {
    throw new EventStoreUnavailableError('socket hang up');
  }
}

@Module({ controllers: [WidgetsController] })
export class WidgetsTestModule {}
