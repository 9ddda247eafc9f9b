import { registry } from './shared/command';
import { partnerCommands } from './partner/commands';

/** Every command of the domain, by type. The pipeline and the spec DSL both run through this. */
export const domainCommands = registry(...partnerCommands);
